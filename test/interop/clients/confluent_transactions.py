"""confluent-kafka-python 1.7.0 (librdkafka 2.0.2) transactional producers, driven by
test/interop/transactions_confluent_kafka.test.ts.

Usage: python3 -I confluent_transactions.py COMMAND < request.json > result.json
Each command writes transactions of single records (the request's values, utf-8) to partition 0
of request['topic'], then one plain (non-transactional) record, 'end', after them, so a reader
knows where the partition ends. The result names what each step returned: null for success, or
the KafkaError's name and whether librdkafka made it fatal.
- commit_abort: one transaction committed, then one aborted.
- fenced: producer A leaves a transaction open (its records flushed); producer B with the same
  transactional.id initialises (fencing A), then A tries to commit; B commits its own.
- open_then_commit: a transaction left open while a plain record, 'after', is written behind it;
  what read_committed and read_uncommitted ListOffsets (latest) and consumers at both levels (for
  a second each) report then; then the transaction is committed.
- timed_out: a producer with transaction.timeout.ms short leaves a transaction open until the
  partition's last stable offset passes it (only the broker's timeout abort can end it), then tries
  to commit it.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

TIMEOUT_S = 20


def transactional(request, transactional_id, **settings):
    producer = Producer({'bootstrap.servers': request['bootstrap'], 'transactional.id': transactional_id,
                         'linger.ms': 0, **settings})
    producer.init_transactions(TIMEOUT_S)
    # The topic's leader now: librdkafka otherwise finds it on its 1 s topic scan, and with a short
    # transaction.timeout.ms (which caps message.timeout.ms) the first record can time out waiting.
    producer.list_topics(request['topic'], timeout=TIMEOUT_S)
    return producer


def send(producer, request, values):
    failures = []

    def on_delivery(error, _message):
        if error is not None:
            failures.append(str(error))

    for value in values:
        producer.produce(request['topic'], value=value.encode(), partition=0, on_delivery=on_delivery)
    if producer.flush(TIMEOUT_S) or failures:
        raise RuntimeError('records not delivered: %s' % failures)


def outcome(step):
    """None if `step()` succeeds, else its KafkaError's name and fatality."""
    try:
        step()
        return None
    except KafkaException as e:
        error = e.args[0]
        return {'error': error.name(), 'fatal': error.fatal()}


def wait_until_stable(request, since):
    """Milliseconds from `since` until a read_committed ListOffsets (the last stable offset) is past offset 0."""
    consumer = Consumer({'bootstrap.servers': request['bootstrap'], 'group.id': 'interop-lso',
                         'isolation.level': 'read_committed'})
    partition = TopicPartition(request['topic'], 0)
    while consumer.get_watermark_offsets(partition, TIMEOUT_S, cached=False)[1] == 0:
        if time.time() - since > TIMEOUT_S:
            raise RuntimeError('the open transaction was never aborted')
        time.sleep(0.05)
    consumer.close()
    return round((time.time() - since) * 1000)


def end_marker(request):
    producer = Producer({'bootstrap.servers': request['bootstrap']})
    producer.produce(request['topic'], value=b'end', partition=0)
    if producer.flush(TIMEOUT_S):
        raise RuntimeError('the end record was not delivered')


def commit_abort(request):
    producer = transactional(request, 'tx-commit-abort')
    results = {}
    for name, values, end in [('commit', request['committed'], producer.commit_transaction),
                              ('abort', request['aborted'], producer.abort_transaction)]:
        producer.begin_transaction()
        send(producer, request, values)
        results[name] = outcome(lambda: end(TIMEOUT_S))
    end_marker(request)
    return results


def fenced(request):
    zombie = transactional(request, 'tx-fenced')
    zombie.begin_transaction()
    send(zombie, request, request['aborted'])
    successor = transactional(request, 'tx-fenced')
    results = {'zombieCommit': outcome(lambda: zombie.commit_transaction(TIMEOUT_S))}
    successor.begin_transaction()
    send(successor, request, request['committed'])
    results['successorCommit'] = outcome(lambda: successor.commit_transaction(TIMEOUT_S))
    end_marker(request)
    return results


def latest(request, isolation):
    consumer = Consumer({'bootstrap.servers': request['bootstrap'], 'group.id': 'interop-latest',
                         'isolation.level': isolation})
    high = consumer.get_watermark_offsets(TopicPartition(request['topic'], 0), TIMEOUT_S, cached=False)[1]
    consumer.close()
    return high


def consume_for(request, isolation, seconds):
    """The values a consumer at `isolation` gets from the start of partition 0 in `seconds`."""
    consumer = Consumer({'bootstrap.servers': request['bootstrap'], 'group.id': 'interop-open',
                         'isolation.level': isolation, 'enable.auto.commit': False})
    consumer.assign([TopicPartition(request['topic'], 0, 0)])
    consumer.list_topics(request['topic'], timeout=TIMEOUT_S)  # the leader now, not on the 1 s topic scan
    values = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        message = consumer.poll(0.1)
        if message is not None and message.error() is None:
            values.append(message.value().decode())
    consumer.close()
    return values


def open_then_commit(request):
    producer = transactional(request, 'tx-open')
    producer.begin_transaction()
    send(producer, request, request['committed'])
    plain = Producer({'bootstrap.servers': request['bootstrap']})
    plain.produce(request['topic'], value=b'after', partition=0)
    plain.flush(TIMEOUT_S)
    results = {'whileOpen': {'latestCommitted': latest(request, 'read_committed'),
                             'latestUncommitted': latest(request, 'read_uncommitted'),
                             'readCommitted': consume_for(request, 'read_committed', 1.0),
                             'readUncommitted': consume_for(request, 'read_uncommitted', 1.0)}}
    results['commit'] = outcome(lambda: producer.commit_transaction(TIMEOUT_S))
    end_marker(request)
    return results


def timed_out(request):
    producer = transactional(request, 'tx-timed-out', **{'transaction.timeout.ms': request['transactionTimeoutMs']})
    began = time.time()
    producer.begin_transaction()
    send(producer, request, request['aborted'])
    results = {'openMs': wait_until_stable(request, began)}
    results['commit'] = outcome(lambda: producer.commit_transaction(TIMEOUT_S))
    end_marker(request)
    return results


COMMANDS = {f.__name__: f for f in [commit_abort, fenced, open_then_commit, timed_out]}

if __name__ == '__main__':
    print(json.dumps(COMMANDS[sys.argv[1]](json.load(sys.stdin))))
