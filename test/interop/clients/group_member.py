"""One consumer-group member, with confluent-kafka-python 1.7.0 (librdkafka 2.0.2) or kafka-python 2.0.2.

Usage: python3 -I group_member.py < commands
The first stdin line is the settings as JSON: {"library": "confluent" | "kafka-python", "bootstrap",
"topic", "groupId", "sessionTimeoutMs", "assignors": ["range", "roundrobin"]}. It subscribes,
polls, commits synchronously after each poll that returned records, and writes one JSON line
per event to stdout. The line `stop` later closes the member cleanly and ends the script:
everything read is committed by then, and closing sends LeaveGroup. The events:
  {"event": "assigned" | "revoked", "partitions": [P, ...]}
  {"event": "record", "partition": P, "offset": O, "key": "..." | null, "value": "..."}
  {"event": "commit-failed", "error": "..."}  (a rebalance overtook the commit: its records may come again)
  {"event": "closed"}
Other errors go to stderr with exit code 1.
"""
import json
import sys
import threading

POLL_S = 0.1
HEARTBEAT_MS = 300


def emit(event, **fields):
    print(json.dumps(dict(event=event, **fields)), flush=True)


def emit_partitions(event, partitions):
    emit(event, partitions=sorted(tp.partition for tp in partitions))


def emit_record(partition, offset, key, value):
    emit('record', partition=partition, offset=offset, key=None if key is None else key.decode(), value=value.decode())


class ConfluentMember:
    def __init__(self, settings):
        from confluent_kafka import Consumer, KafkaException
        self.commit_error = KafkaException
        self.consumer = Consumer({
            'bootstrap.servers': settings['bootstrap'], 'client.id': 'interop-group-confluent',
            'group.id': settings['groupId'], 'session.timeout.ms': settings['sessionTimeoutMs'],
            'heartbeat.interval.ms': HEARTBEAT_MS, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
            'partition.assignment.strategy': ','.join(settings['assignors']),
        })
        self.consumer.subscribe([settings['topic']],
                                on_assign=lambda _c, partitions: emit_partitions('assigned', partitions),
                                on_revoke=lambda _c, partitions: emit_partitions('revoked', partitions))

    def poll(self):
        message = self.consumer.poll(POLL_S)
        if message is None:
            return False
        if message.error() is not None:
            raise RuntimeError(str(message.error()))
        emit_record(message.partition(), message.offset(), message.key(), message.value())
        return True

    def commit(self):
        self.consumer.commit(asynchronous=False)

    def close(self):
        self.consumer.close()


class KafkaPythonMember:
    def __init__(self, settings):
        from kafka import KafkaConsumer, ConsumerRebalanceListener
        from kafka.errors import CommitFailedError
        self.commit_error = CommitFailedError
        from kafka.coordinator.assignors.range import RangePartitionAssignor
        from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
        assignors = {a.name: a for a in [RangePartitionAssignor, RoundRobinPartitionAssignor]}

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                emit_partitions('revoked', revoked)

            def on_partitions_assigned(self, assigned):
                emit_partitions('assigned', assigned)

        self.consumer = KafkaConsumer(
            bootstrap_servers=settings['bootstrap'], client_id='interop-group-kafka-python',
            group_id=settings['groupId'], session_timeout_ms=settings['sessionTimeoutMs'],
            heartbeat_interval_ms=HEARTBEAT_MS, auto_offset_reset='earliest', enable_auto_commit=False,
            partition_assignment_strategy=[assignors[name] for name in settings['assignors']])
        self.consumer.subscribe([settings['topic']], listener=Listener())

    def poll(self):
        batches = self.consumer.poll(timeout_ms=int(POLL_S * 1000))
        for batch in batches.values():
            for record in batch:
                emit_record(record.partition, record.offset, record.key, record.value)
        return bool(batches)

    def commit(self):
        self.consumer.commit()

    def close(self):
        self.consumer.close(autocommit=False)


MEMBERS = {'confluent': ConfluentMember, 'kafka-python': KafkaPythonMember}


def wait_for_stop(stopping):
    for line in sys.stdin:
        if line.strip() == 'stop':
            break
    stopping.set()


def main():
    settings = json.loads(sys.stdin.readline())
    member = MEMBERS[settings['library']](settings)
    stopping = threading.Event()
    threading.Thread(target=wait_for_stop, args=(stopping,), daemon=True).start()
    while not stopping.is_set():
        if member.poll():
            try:
                member.commit()
            except member.commit_error as error:
                emit('commit-failed', error=str(error))
    member.close()
    emit('closed')


if __name__ == '__main__':
    main()
