"""confluent-kafka-python 1.7.0 (librdkafka 2.0.2) as an interop client.

Usage: python3 -I confluent_kafka.py COMMAND < request.json > result.json
(-I keeps this file's folder off sys.path, where this file would shadow the package.)
The request and result are the JSON shapes of test/interop/clients/ClientDriver.ts:
keys, values and header values are base64 or null. Errors go to stderr with exit code 1.
"""
import base64
import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMEOUT_S = 20
# Lets kcat-style debugging be switched on from the test process without editing this file.
DEBUG_ENV = 'INTEROP_CONFLUENT_DEBUG'


def unb64(text):
    return None if text is None else base64.b64decode(text)


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def client_config(request, **settings):
    config = {'bootstrap.servers': request['bootstrap'], 'client.id': 'interop-confluent-kafka'}
    if os.environ.get(DEBUG_ENV):
        config['debug'] = os.environ[DEBUG_ENV]
    config.update(settings)
    return config


def produce(request):
    # `settings`: more producer settings, e.g. enable.idempotence.
    settings = {'compression.type': request['codec'], 'linger.ms': 5, 'acks': 'all', **request.get('settings', {})}
    producer = Producer(client_config(request, **settings))
    failures = []

    def on_delivery(error, _message):
        if error is not None:
            failures.append(str(error))

    for record in request['records']:
        fields = {'partition': record['partition'], 'key': unb64(record['key']), 'value': unb64(record['value']),
                  'headers': [(name, unb64(value)) for name, value in record['headers']], 'on_delivery': on_delivery}
        if record['timestamp'] is not None:
            fields['timestamp'] = record['timestamp']
        producer.produce(request['topic'], **fields)
        producer.poll(0)
    left = producer.flush(TIMEOUT_S)
    if left or failures:
        raise RuntimeError('%d records not delivered: %s' % (left, failures[:5]))
    return {}


def partitions_of(client, topic):
    found = client.list_topics(topic, timeout=TIMEOUT_S).topics[topic]
    if found.error is not None:
        raise KafkaException(found.error)
    return sorted(found.partitions)


def consumer_record(message):
    return {'topic': message.topic(), 'partition': message.partition(), 'offset': message.offset(),
            'timestamp': message.timestamp()[1], 'key': b64(message.key()), 'value': b64(message.value()),
            'headers': [[name, b64(value)] for name, value in (message.headers() or [])]}


def consume(request):
    # confluent-kafka wants a group.id even for assigned partitions, so librdkafka also looks
    # up the group coordinator; errors from that (or any) are reported only if records are missing.
    # isolation.level is librdkafka's default (read_committed) unless the request names one.
    settings = {'group.id': 'interop-confluent-kafka', 'enable.auto.commit': False}
    if request.get('isolationLevel') is not None:
        settings['isolation.level'] = request['isolationLevel']
    consumer = Consumer(client_config(request, **settings))
    topic = request['topic']
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions_of(consumer, topic)])
    records, errors = [], []
    deadline = time.time() + TIMEOUT_S
    while len(records) < request['count'] and time.time() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error() is not None:
            errors.append(str(message.error()))
        else:
            records.append(consumer_record(message))
    consumer.close()
    if len(records) < request['count'] and errors:
        raise RuntimeError('%d of %d records, errors: %s' % (len(records), request['count'], errors[:5]))
    return sorted(records, key=lambda r: (r['partition'], r['offset']))


def list_offsets(request):
    """Earliest and latest through get_watermark_offsets, a timestamp through offsets_for_times."""
    consumer = Consumer(client_config(request, **{'group.id': 'interop-confluent-kafka'}))
    topic, spec = request['topic'], request['spec']
    partitions = partitions_of(consumer, topic)
    if isinstance(spec, dict):
        found = consumer.offsets_for_times([TopicPartition(topic, p, spec['timestamp']) for p in partitions], TIMEOUT_S)
        offsets = [{'partition': tp.partition, 'offset': tp.offset} for tp in found]
    else:
        which = 0 if spec == 'earliest' else 1
        offsets = [{'partition': p, 'offset': consumer.get_watermark_offsets(TopicPartition(topic, p), TIMEOUT_S, cached=False)[which]}
                   for p in partitions]
    consumer.close()
    return sorted(offsets, key=lambda o: o['partition'])


def metadata(request):
    admin = AdminClient(client_config(request))
    listed = admin.list_topics(timeout=TIMEOUT_S).topics
    return [{'topic': t, 'partitions': sorted(listed[t].partitions)} for t in request['topics'] if t in listed]


def admin_call(request, call):
    """Runs `call(admin)` and waits for every future it returns. The AdminClient must outlive
    its futures: once garbage-collected, its handle is destroyed and they fail with _DESTROY."""
    admin = AdminClient(client_config(request))
    futures = call(admin)
    return {key: future.result(TIMEOUT_S) for key, future in futures.items()}


def create_topics(request):
    topics = [NewTopic(t['topic'], t['partitions'], t['replicationFactor'], config=t['configs']) for t in request['topics']]
    admin_call(request, lambda admin: admin.create_topics(topics, operation_timeout=TIMEOUT_S))
    return {}


def delete_topics(request):
    admin_call(request, lambda admin: admin.delete_topics(request['topics'], operation_timeout=TIMEOUT_S))
    return {}


def describe_topic_configs(request):
    resource = ConfigResource(ConfigResource.Type.TOPIC, request['topic'])
    (entries,) = admin_call(request, lambda admin: admin.describe_configs([resource])).values()
    return {name: entry.value for name, entry in entries.items()}


def alter_topic_configs(request):
    resource = ConfigResource(ConfigResource.Type.TOPIC, request['topic'], set_config=request['configs'])
    admin_call(request, lambda admin: admin.alter_configs([resource]))
    return {}


def create_partitions(request):
    admin_call(request, lambda admin: admin.create_partitions([NewPartitions(request['topic'], request['totalCount'])]))
    return {}


def list_topics(request):
    return sorted(AdminClient(client_config(request)).list_topics(timeout=TIMEOUT_S).topics)


COMMANDS = {f.__name__: f for f in [produce, consume, list_offsets, metadata, create_topics, delete_topics,
                                     describe_topic_configs, alter_topic_configs, create_partitions, list_topics]}

if __name__ == '__main__':
    print(json.dumps(COMMANDS[sys.argv[1]](json.load(sys.stdin))))
