import { describe, expect, test } from '@jest/globals';
import { settingsFromEnv } from './aws-settings.ts';

describe('settingsFromEnv (live AWS settings, no network)', () => {
  test('without SWITCHBOARD_TEST_AWS=1 the suite runs on the fixtures, whatever else is set', () => {
    expect(settingsFromEnv({})).toBeUndefined();
    expect(settingsFromEnv({ SWITCHBOARD_TEST_AWS: '0', SWITCHBOARD_TEST_AWS_BUCKET: 'b' })).toBeUndefined();
  });

  test('one error lists every missing or malformed variable', () => {
    let message = '';
    try {
      settingsFromEnv({
        SWITCHBOARD_TEST_AWS: '1',
        SWITCHBOARD_TEST_AWS_INSTANCE: 'web-1',
        SWITCHBOARD_TEST_AWS_LAMBDA_ECHO: 'ops-echo',
        SWITCHBOARD_TEST_AWS_CLOUDWATCH: 'yes',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      'SWITCHBOARD_TEST_AWS_REGION',
      'SWITCHBOARD_TEST_AWS_BUCKET',
      'SWITCHBOARD_TEST_AWS_INSTANCE is "web-1"',
      'SWITCHBOARD_TEST_AWS_LAMBDA_FAIL',
      'SWITCHBOARD_TEST_AWS_CLOUDWATCH is "yes"',
    ]) {
      expect(message).toContain(name);
    }
  });

  test('the required pair gives the minimal live run; the options turn on their tests', () => {
    const base = { SWITCHBOARD_TEST_AWS: '1', SWITCHBOARD_TEST_AWS_REGION: 'eu-west-1', SWITCHBOARD_TEST_AWS_BUCKET: 'scratch' };
    expect(settingsFromEnv(base)).toEqual({ region: 'eu-west-1', bucket: 'scratch', runInstances: false, cloudwatch: false });
    expect(
      settingsFromEnv({
        ...base,
        SWITCHBOARD_TEST_AWS_INSTANCE: 'i-0123456789abcdef0',
        SWITCHBOARD_TEST_AWS_AMI: 'ami-0abcdef1234567890',
        SWITCHBOARD_TEST_AWS_SUBNET: 'subnet-0abc',
        SWITCHBOARD_TEST_AWS_RUN_INSTANCES: '1',
        SWITCHBOARD_TEST_AWS_LAMBDA_ROLE: 'arn:aws:iam::111122223333:role/sbtest',
        SWITCHBOARD_TEST_AWS_LAMBDA_ECHO: 'sb-echo',
        SWITCHBOARD_TEST_AWS_LAMBDA_FAIL: 'sb-fail',
        SWITCHBOARD_TEST_AWS_CLOUDWATCH: '1',
      }),
    ).toEqual({
      region: 'eu-west-1',
      bucket: 'scratch',
      instance: 'i-0123456789abcdef0',
      ami: 'ami-0abcdef1234567890',
      subnet: 'subnet-0abc',
      runInstances: true,
      lambdaRole: 'arn:aws:iam::111122223333:role/sbtest',
      lambdaFunctions: { echo: 'sb-echo', fail: 'sb-fail' },
      cloudwatch: true,
    });
  });
});
