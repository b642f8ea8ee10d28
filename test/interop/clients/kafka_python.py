"""kafka-python 2.0.2 as an interop client.

Usage: python3 -I kafka_python.py COMMAND < request.json > result.json
The request and result are the JSON shapes of test/interop/clients/ClientDriver.ts:
keys, values and header values are base64 or null. Errors go to stderr with exit code 1.

api_version is left to kafka-python's probe (an ApiVersions request, then a guess of the
broker release from the versions it lists) unless the request names one (e.g. [0, 9] for
magic 0 MessageSets and Fetch v0); `produce` reports the release it settled on.
INTEROP_KAFKA_PYTHON_DEBUG=1 logs every request kafka-python sends to stderr.
"""
import base64
import json
import logging
import os
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import for_code

TIMEOUT_S = 20
CLIENT_ID = 'interop-kafka-python'


def unb64(text):
    return None if text is None else base64.b64decode(text)


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def producer_record_fields(record):
    fields = {'partition': record['partition'], 'key': unb64(record['key']), 'value': unb64(record['value']),
              'headers': [(name, unb64(value)) for name, value in record['headers']]}
    if record['timestamp'] is not None:
        fields['timestamp_ms'] = record['timestamp']
    return fields


def pinned_version(request):
    version = request.get('apiVersion')
    return {} if version is None else {'api_version': tuple(version)}


def produce(request):
    codec = None if request['codec'] == 'none' else request['codec']
    producer = KafkaProducer(bootstrap_servers=request['bootstrap'], client_id=CLIENT_ID, compression_type=codec,
                             acks='all', linger_ms=5, **pinned_version(request))
    futures = [producer.send(request['topic'], **producer_record_fields(r)) for r in request['records']]
    producer.flush(TIMEOUT_S)
    for future in futures:
        future.get(TIMEOUT_S)
    api_version = producer.config['api_version']
    producer.close(TIMEOUT_S)
    return {'apiVersion': '.'.join(map(str, api_version))}


def new_consumer(request):
    return KafkaConsumer(bootstrap_servers=request['bootstrap'], client_id=CLIENT_ID, group_id=None,
                         enable_auto_commit=False, consumer_timeout_ms=TIMEOUT_S * 1000, **pinned_version(request))


def topic_partitions(consumer, topic):
    deadline = time.time() + TIMEOUT_S
    partitions = consumer.partitions_for_topic(topic)
    while not partitions and time.time() < deadline:
        time.sleep(0.1)
        partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise RuntimeError('no partitions for topic %s' % topic)
    return [TopicPartition(topic, p) for p in sorted(partitions)]


def consumer_record(record):
    return {'topic': record.topic, 'partition': record.partition, 'offset': record.offset, 'timestamp': record.timestamp,
            'key': b64(record.key), 'value': b64(record.value),
            'headers': [[name, b64(value)] for name, value in (record.headers or [])]}


def consume(request):
    consumer = new_consumer(request)
    consumer.assign(topic_partitions(consumer, request['topic']))
    consumer.seek_to_beginning()
    records = []
    deadline = time.time() + TIMEOUT_S
    while len(records) < request['count'] and time.time() < deadline:
        for batch in consumer.poll(timeout_ms=200).values():
            records.extend(consumer_record(r) for r in batch)
    consumer.close()
    return sorted(records, key=lambda r: (r['partition'], r['offset']))


def list_offsets(request):
    consumer = new_consumer(request)
    partitions = topic_partitions(consumer, request['topic'])
    spec = request['spec']
    if spec == 'earliest':
        offsets = consumer.beginning_offsets(partitions)
    elif spec == 'latest':
        offsets = consumer.end_offsets(partitions)
    else:
        found = consumer.offsets_for_times({tp: spec['timestamp'] for tp in partitions})
        offsets = {tp: -1 if at is None else at.offset for tp, at in found.items()}
    consumer.close()
    return sorted(({'partition': tp.partition, 'offset': offset} for tp, offset in offsets.items()), key=lambda o: o['partition'])


def admin_client(request):
    return KafkaAdminClient(bootstrap_servers=request['bootstrap'], client_id=CLIENT_ID)


def metadata(request):
    topics = admin_client(request).describe_topics(request['topics'])
    return [{'topic': t['topic'], 'partitions': sorted(p['partition'] for p in t['partitions'])}
            for t in topics if t['error_code'] == 0]


def check_resources(response):
    """Admin responses listing resources: raise the first error code, as the Java admin client would."""
    for error_code, error_message, *_ in response.resources:
        if error_code != 0:
            raise for_code(error_code)(error_message)
    return response


def create_topics(request):
    admin_client(request).create_topics(
        [NewTopic(t['topic'], t['partitions'], t['replicationFactor'], topic_configs=t['configs']) for t in request['topics']],
        timeout_ms=TIMEOUT_S * 1000)
    return {}


def delete_topics(request):
    admin_client(request).delete_topics(request['topics'], timeout_ms=TIMEOUT_S * 1000)
    return {}


def describe_topic_configs(request):
    (response,) = admin_client(request).describe_configs([ConfigResource(ConfigResourceType.TOPIC, request['topic'])])
    ((_error, _message, _type, _name, entries),) = check_resources(response).resources
    return {entry[0]: entry[1] for entry in entries}


def alter_topic_configs(request):
    resource = ConfigResource(ConfigResourceType.TOPIC, request['topic'], configs=request['configs'])
    check_resources(admin_client(request).alter_configs([resource]))
    return {}


def create_partitions(request):
    admin_client(request).create_partitions({request['topic']: NewPartitions(request['totalCount'])}, timeout_ms=TIMEOUT_S * 1000)
    return {}


def list_topics(request):
    return sorted(admin_client(request).list_topics())


COMMANDS = {f.__name__: f for f in [produce, consume, list_offsets, metadata, create_topics, delete_topics,
                                     describe_topic_configs, alter_topic_configs, create_partitions, list_topics]}

if __name__ == '__main__':
    if os.environ.get('INTEROP_KAFKA_PYTHON_DEBUG'):
        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
    print(json.dumps(COMMANDS[sys.argv[1]](json.load(sys.stdin))))
