import { describe, expect, it } from 'vitest';
import { landedObjectsFrom, UnrecognizedEventError } from '../../lib/ingest/landed-event.js';
import { s3EventNotification } from './events.js';

describe('landedObjectsFrom', () => {
  it('decodes an S3 notification, URL-decoding the key', () => {
    const event = s3EventNotification('landing', 'sales/orders/my file+é.csv', { size: 12, eTag: 'abc' });
    expect(landedObjectsFrom(event)).toEqual([
      {
        bucket: 'landing',
        key: 'sales/orders/my file+é.csv',
        size: 12,
        etag: 'abc',
        versionId: undefined,
        eventTime: Date.parse('2026-01-02T03:04:05.000Z'),
      },
    ]);
  });

  it('decodes EventBridge Object Created and ignores other detail types', () => {
    const event = {
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '111122223333',
      time: '2021-11-12T00:00:00Z',
      region: 'ca-central-1',
      resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'],
      detail: {
        version: '0',
        bucket: { name: 'amzn-s3-demo-bucket1' },
        object: {
          key: 'a/b/example-key',
          size: 5,
          etag: 'b1946ac92492d2347c6235b4d2611184',
          'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
          sequencer: '617f08299329d189',
        },
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: '123456789012',
        'source-ip-address': '1.2.3.4',
        reason: 'PutObject',
      },
    };
    expect(landedObjectsFrom(event)).toEqual([
      {
        bucket: 'amzn-s3-demo-bucket1',
        key: 'a/b/example-key',
        size: 5,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        eventTime: Date.parse('2021-11-12T00:00:00Z'),
      },
    ]);
    expect(landedObjectsFrom({ ...event, 'detail-type': 'Object Deleted' })).toEqual([]);
  });

  it('ignores s3:TestEvent and removals; rejects unknown shapes', () => {
    expect(
      landedObjectsFrom({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: '2026-01-01T00:00:00.000Z',
        Bucket: 'landing',
        RequestId: 'x',
        HostId: 'y',
      }),
    ).toEqual([]);
    const removed = s3EventNotification('landing', 'a/b/c.csv', { size: 1, eTag: 'e' });
    (removed.Records[0] as { eventName: string }).eventName = 'ObjectRemoved:Delete';
    expect(landedObjectsFrom(removed)).toEqual([]);
    expect(() => landedObjectsFrom({ hello: 'world' })).toThrow(UnrecognizedEventError);
  });

  it('unwraps an SNS envelope', () => {
    const inner = s3EventNotification('landing', 'a/b/c.csv', { size: 3, eTag: 'e' });
    expect(landedObjectsFrom({ Type: 'Notification', Message: JSON.stringify(inner) })[0]?.key).toBe('a/b/c.csv');
  });
});
