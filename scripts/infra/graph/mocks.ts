/**
 * What AWS would answer, as far as the program reads it: the computed outputs of each resource
 * (ARNs, names, URLs) and the data sources it calls (account, region, policy documents, zones).
 */

const ACCOUNT = "123456789012";

/** `aws:sqs/queue:Queue` → "sqs", "queue". */
function typeParts(type: string) {
  const [, module = "", kind = ""] = type.split(":");
  return { service: module.split("/")[0] ?? module, kind: kind.toLowerCase() };
}

export function mockState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  const physical = (inputs.name as string | undefined) ?? `${name}-abc123`;
  const { service, kind } = typeParts(type);
  const arn = `arn:aws:${service}:${region}:${ACCOUNT}:${kind}/${physical}`;
  const state: Record<string, unknown> = { ...inputs, id: `${physical}-id`, arn, name: physical };
  switch (type) {
    case "aws:sqs/queue:Queue":
      state.url = `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${physical}`;
      state.arn = `arn:aws:sqs:${region}:${ACCOUNT}:${physical}`;
      state.id = state.url;
      break;
    case "aws:sns/topic:Topic":
      state.arn = `arn:aws:sns:${region}:${ACCOUNT}:${physical}`;
      state.id = state.arn;
      break;
    case "aws:lambda/function:Function":
      state.arn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${physical}`;
      state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
      state.qualifiedArn = `${state.arn}:$LATEST`;
      state.version = "$LATEST";
      break;
    case "aws:iam/role:Role":
      state.arn = `arn:aws:iam::${ACCOUNT}:role/${physical}`;
      break;
    case "aws:dynamodb/table:Table":
      state.arn = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${physical}`;
      state.streamArn = `${state.arn}/stream/2026-01-01T00:00:00.000`;
      break;
    case "aws:apigatewayv2/api:Api":
      state.id = "api0123456";
      state.apiEndpoint = `https://api0123456.execute-api.${region}.amazonaws.com`;
      state.executionArn = `arn:aws:execute-api:${region}:${ACCOUNT}:api0123456`;
      break;
    case "aws:apigatewayv2/domainName:DomainName":
      state.domainNameConfiguration = {
        ...(inputs.domainNameConfiguration as object),
        targetDomainName: "d-abc123.execute-api.amazonaws.com",
        hostedZoneId: "Z2FDTNDATAQYW2",
      };
      break;
    case "aws:acm/certificate:Certificate":
      state.domainValidationOptions = [
        {
          domainName: inputs.domainName,
          resourceRecordName: `_acme.${inputs.domainName as string}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: "_validate.acm-validations.aws.",
        },
      ];
      break;
    case "aws:sesv2/emailIdentity:EmailIdentity":
      state.arn = `arn:aws:ses:${region}:${ACCOUNT}:identity/${inputs.emailIdentity as string}`;
      state.dkimSigningAttributes = {
        ...(inputs.dkimSigningAttributes as object),
        tokens: ["dkim1token", "dkim2token", "dkim3token"],
      };
      break;
    case "aws:sesv2/configurationSet:ConfigurationSet":
      state.arn = `arn:aws:ses:${region}:${ACCOUNT}:configuration-set/${inputs.configurationSetName as string}`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      state.arn = `arn:aws:logs:${region}:${ACCOUNT}:log-group:${physical}`;
      break;
    case "aws:scheduler/schedule:Schedule":
      state.arn = `arn:aws:scheduler:${region}:${ACCOUNT}:schedule/default/${physical}`;
      break;
    case "aws:s3/bucketV2:BucketV2":
    case "aws:s3/bucket:Bucket":
      state.bucket = (inputs.bucket as string | undefined) ?? physical;
      state.arn = `arn:aws:s3:::${state.bucket as string}`;
      state.bucketRegionalDomainName = `${state.bucket as string}.s3.${region}.amazonaws.com`;
      state.bucketDomainName = `${state.bucket as string}.s3.amazonaws.com`;
      break;
  }
  return state;
}

interface PolicyStatement {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** aws.iam.getPolicyDocument, rendered as the provider renders it. */
function policyDocument(statements: PolicyStatement[] = []) {
  const document = {
    Version: "2012-10-17",
    Statement: statements.map((s) => {
      const out: Record<string, unknown> = {};
      if (s.sid) out.Sid = s.sid;
      out.Effect = s.effect ?? "Allow";
      if (s.actions) out.Action = s.actions;
      if (s.notActions) out.NotAction = s.notActions;
      if (s.resources) out.Resource = s.resources;
      if (s.notResources) out.NotResource = s.notResources;
      if (s.principals) {
        out.Principal = Object.fromEntries(s.principals.map((p) => [p.type, p.identifiers]));
      }
      if (s.conditions) {
        const condition: Record<string, Record<string, string[]>> = {};
        for (const c of s.conditions) {
          condition[c.test] = { ...condition[c.test], [c.variable]: c.values };
        }
        out.Condition = condition;
      }
      return out;
    }),
  };
  const json = JSON.stringify(document);
  return { json, minifiedJson: json, statements, id: "policy" };
}

export function mockCall(
  token: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:user/operator`,
        userId: "AIDAEXAMPLE",
        id: ACCOUNT,
      };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return policyDocument(inputs.statements as PolicyStatement[] | undefined);
    case "aws:route53/getZone:getZone":
      return {
        zoneId: "Z0123456789ABC",
        name: String(inputs.name ?? "example.com"),
        id: "Z0123456789ABC",
      };
    default:
      throw new Error(`infra:graph: no mock for the data source ${token}`);
  }
}
