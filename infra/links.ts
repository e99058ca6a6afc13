/**
 * Links carry values, never permissions. SST's built-in links grant dynamodb:* on the table,
 * sqs:* on queues, sns:* on topics, events:* on buses and ses:* (plus SendEmail on *) for Email; rewrapped, a link
 * only passes values, and each function's IAM statements are its own (infra/wiring.ts).
 */
sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({ properties: { name: table.name } }));
sst.Linkable.wrap(sst.aws.Queue, (queue) => ({ properties: { url: queue.url } }));
sst.Linkable.wrap(sst.aws.SnsTopic, (topic) => ({ properties: { arn: topic.arn } }));
sst.Linkable.wrap(sst.aws.Bus, (bus) => ({ properties: { name: bus.name, arn: bus.arn } }));
sst.Linkable.wrap(sst.aws.Email, (identity) => ({
  properties: { sender: identity.sender, configSet: identity.configSet },
}));

export {};
