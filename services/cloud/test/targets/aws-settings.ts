/**
 * The live-AWS settings of test/aws.test.ts, read from SWITCHBOARD_TEST_* variables. Without
 * SWITCHBOARD_TEST_AWS=1 the suite runs against the local fixtures and none of these is read.
 *
 * Required with SWITCHBOARD_TEST_AWS=1 (credentials come from the SDK's default chain: AWS_PROFILE, AWS_ACCESS_KEY_ID
 * and friends, SSO, web identity, instance roles):
 *   SWITCHBOARD_TEST_AWS_REGION   the region every call goes to, e.g. eu-west-1
 *   SWITCHBOARD_TEST_AWS_BUCKET   a scratch S3 bucket in that region (SSE-S3 or no default encryption, so an ETag is
 *                                 the MD5); objects are written under switchboard-test/<run>/ and deleted after
 * Optional, each enabling the live tests that need it (their titles name the variable):
 *   SWITCHBOARD_TEST_AWS_INSTANCE         a stopped scratch EC2 instance: tagged for the filter test, started,
 *                                         waited for, stopped again, waited for, tag removed (left stopped)
 *   SWITCHBOARD_TEST_AWS_AMI              the AMI for ec2RunInstances (default: the newest Amazon Linux 2023 x86_64)
 *   SWITCHBOARD_TEST_AWS_SUBNET           the subnet for ec2RunInstances (default: the default VPC)
 *   SWITCHBOARD_TEST_AWS_RUN_INSTANCES=1  really launch one t3.micro (terminated in cleanup); dryRun runs always
 *   SWITCHBOARD_TEST_AWS_LAMBDA_ROLE      an execution role ARN: the suite creates its own functions from a zip it
 *                                         builds, invokes them, replaces their code, and deletes them
 *   SWITCHBOARD_TEST_AWS_LAMBDA_ECHO and SWITCHBOARD_TEST_AWS_LAMBDA_FAIL
 *                                         without a role: existing functions running ECHO_SOURCE and FAIL_SOURCE
 *                                         (aws-lambda-code.ts); invoked only, their code is never replaced
 *   SWITCHBOARD_TEST_AWS_CLOUDWATCH=1     PutMetricData to the custom namespace Switchboard/Test (dimension
 *                                         Run=<run>; metric data cannot be deleted, it expires) and three alarms on
 *                                         it (deleted after)
 *
 * The identity needs: sts:GetCallerIdentity; s3:ListAllMyBuckets, and ListBucket/GetObject/PutObject/DeleteObject on
 * the bucket; ec2:DescribeInstances, DescribeImages, RunInstances (a dryRun needs it too), and with the variables
 * above CreateTags/DeleteTags/StartInstances/StopInstances/TerminateInstances; logs:CreateLogGroup, CreateLogStream,
 * PutLogEvents, DeleteLogGroup, StartQuery, GetQueryResults, StopQuery; with a role lambda:CreateFunction,
 * GetFunction, ListFunctions, InvokeFunction, UpdateFunctionCode, DeleteFunction and iam:PassRole on it (without,
 * ListFunctions and InvokeFunction); with SWITCHBOARD_TEST_AWS_CLOUDWATCH cloudwatch:PutMetricData, GetMetricData,
 * PutMetricAlarm, DescribeAlarms, DeleteAlarms.
 */
export interface AwsSettings {
  region: string;
  bucket: string;
  instance?: string;
  ami?: string;
  subnet?: string;
  runInstances: boolean;
  lambdaRole?: string;
  lambdaFunctions?: { echo: string; fail: string };
  cloudwatch: boolean;
}

const REQUIRED = {
  SWITCHBOARD_TEST_AWS_REGION: 'the region to test in, e.g. eu-west-1',
  SWITCHBOARD_TEST_AWS_BUCKET: 'a scratch S3 bucket in that region',
} as const;

/** Undefined without SWITCHBOARD_TEST_AWS=1; else the settings, or one error naming every missing or bad variable. */
export function settingsFromEnv(env: Record<string, string | undefined>): AwsSettings | undefined {
  if (env.SWITCHBOARD_TEST_AWS !== '1') return undefined;
  const value = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  const problems: string[] = [];
  for (const [name, what] of Object.entries(REQUIRED)) if (!value(name)) problems.push(`${name} (${what})`);
  const region = value('SWITCHBOARD_TEST_AWS_REGION');
  if (region && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    problems.push(`SWITCHBOARD_TEST_AWS_REGION is "${region}", not a region such as eu-west-1`);
  const instance = value('SWITCHBOARD_TEST_AWS_INSTANCE');
  if (instance && !/^i-[0-9a-f]{8,17}$/.test(instance))
    problems.push(`SWITCHBOARD_TEST_AWS_INSTANCE is "${instance}", not an instance id such as i-0123456789abcdef0`);
  const ami = value('SWITCHBOARD_TEST_AWS_AMI');
  if (ami && !/^ami-[0-9a-f]{8,17}$/.test(ami)) problems.push(`SWITCHBOARD_TEST_AWS_AMI is "${ami}", not an AMI id`);
  const role = value('SWITCHBOARD_TEST_AWS_LAMBDA_ROLE');
  if (role && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(role))
    problems.push(`SWITCHBOARD_TEST_AWS_LAMBDA_ROLE is "${role}", not an IAM role ARN`);
  const echo = value('SWITCHBOARD_TEST_AWS_LAMBDA_ECHO');
  const fail = value('SWITCHBOARD_TEST_AWS_LAMBDA_FAIL');
  if (!echo !== !fail)
    problems.push(
      `${echo ? 'SWITCHBOARD_TEST_AWS_LAMBDA_FAIL' : 'SWITCHBOARD_TEST_AWS_LAMBDA_ECHO'} (the ECHO and FAIL functions go together)`,
    );
  for (const flag of ['SWITCHBOARD_TEST_AWS_RUN_INSTANCES', 'SWITCHBOARD_TEST_AWS_CLOUDWATCH']) {
    if (value(flag) && !['0', '1'].includes(value(flag) as string)) problems.push(`${flag} is "${value(flag)}", not 1 or 0`);
  }
  if (problems.length > 0) {
    throw new Error(`SWITCHBOARD_TEST_AWS=1 needs these variables set or fixed:\n  ${problems.join('\n  ')}`);
  }
  return {
    region: region as string,
    bucket: value('SWITCHBOARD_TEST_AWS_BUCKET') as string,
    ...(instance ? { instance } : {}),
    ...(ami ? { ami } : {}),
    ...(value('SWITCHBOARD_TEST_AWS_SUBNET') ? { subnet: value('SWITCHBOARD_TEST_AWS_SUBNET') } : {}),
    runInstances: value('SWITCHBOARD_TEST_AWS_RUN_INSTANCES') === '1',
    ...(role ? { lambdaRole: role } : {}),
    ...(echo && fail ? { lambdaFunctions: { echo, fail } } : {}),
    cloudwatch: value('SWITCHBOARD_TEST_AWS_CLOUDWATCH') === '1',
  };
}
