/** The EventBridge bus of the readers' events (docs/events.md); infra/events.ts feeds it. */
export const bus = new sst.aws.Bus("Events");
