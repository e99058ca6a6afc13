/**
 * Reading an evaluated infrastructure graph (scripts/infra/graph): resources by type and name,
 * each function with its role's policy and the queue that invokes it.
 */
import type { Graph, GraphResource } from "../../scripts/infra/graph/index.js";

export interface PolicyStatement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
  Principal?: Record<string, string[]>;
  Sid?: string;
}

type Props = Record<string, unknown>;

export function ofType(graph: Graph, type: string): GraphResource[] {
  return graph.resources.filter((r) => r.type === type);
}

export function named(graph: Graph, name: string): GraphResource {
  const found = graph.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}`);
  return found;
}

/** The one resource of `type` whose props match `where`. */
export function one(graph: Graph, type: string, where: (props: Props) => boolean): GraphResource {
  const found = ofType(graph, type).filter((r) => where(r.props));
  const [first, ...rest] = found;
  if (!first || rest.length > 0) throw new Error(`${found.length} ${type} resources match`);
  return first;
}

export function queueNamed(graph: Graph, component: string): GraphResource {
  return named(graph, `${component}Queue`);
}

export const arnOf = (r: GraphResource) => r.props.arn as string | undefined;

export interface DeployedFunction {
  resource: GraphResource;
  handler: string;
  timeout: number;
  statements: PolicyStatement[];
  /** The queue an event source mapping feeds it from, if any. */
  queue?: GraphResource;
  mapping?: GraphResource;
}

/** Every Lambda function of the graph, by its handler (e.g. functions/http/api.handler). */
export function deployedFunctions(graph: Graph): Map<string, DeployedFunction> {
  const roles = ofType(graph, "aws:iam/role:Role");
  const queues = ofType(graph, "aws:sqs/queue:Queue");
  const mappings = ofType(graph, "aws:lambda/eventSourceMapping:EventSourceMapping");
  const out = new Map<string, DeployedFunction>();
  for (const fn of ofType(graph, "aws:lambda/function:Function")) {
    const roleName = String(fn.props.role).split("/").pop();
    const role = roles.find((r) => r.props.name === roleName);
    const policies = (role?.props.inlinePolicies ?? []) as { policy: string }[];
    const statements = policies.flatMap(
      (p) => (JSON.parse(p.policy) as { Statement: PolicyStatement[] }).Statement,
    );
    const mapping = mappings.find((m) =>
      [fn.props.name, fn.props.arn].includes(m.props.functionName),
    );
    const queue = mapping && queues.find((q) => q.props.arn === mapping.props.eventSourceArn);
    out.set(String(fn.props.handler), {
      resource: fn,
      handler: String(fn.props.handler),
      timeout: Number(fn.props.timeout),
      statements,
      ...(queue ? { queue } : {}),
      ...(mapping ? { mapping } : {}),
    });
  }
  return out;
}

/** The actions of a function's own statements (SST's queue-consumer grant left out). */
export function actionsOf(fn: DeployedFunction): string[] {
  return [...new Set(fn.statements.flatMap((s) => s.Action))].sort();
}
