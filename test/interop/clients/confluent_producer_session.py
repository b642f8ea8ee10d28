"""A confluent-kafka-python (librdkafka 2.0.2) producer driven one command at a time, for the
broker-kill tests: the test sends JSON lines on stdin and reads JSON lines on stdout, so it
can kill and restart the broker between commands while this producer (and its retries) lives.

Usage: python3 -I confluent_producer_session.py < commands > events
Commands ({"op": ...}) and what each writes:
  start {config}            -> {"started": true} (init_transactions first when transactional.id is set)
  begin                     -> {"begun": true}
  produce {topic, values}   -> nothing now; each delivery later writes {"ack": value, "offset": n}
                               or {"failed": value, "error": text}
  flush {timeout}           -> {"flushed": messages left}
  commit / abort {timeout}  -> {"committed": true} / {"aborted": true}, or {"error": text, "fatal": bool}
The producer's own errors (error_cb) are written as {"client_error": text}.
"""
import json
import sys

from confluent_kafka import KafkaException, Producer


def emit(event):
    sys.stdout.write(json.dumps(event) + '\n')
    sys.stdout.flush()


def on_delivery(error, message):
    value = message.value().decode()
    if error is None:
        emit({'ack': value, 'offset': message.offset()})
    else:
        emit({'failed': value, 'error': str(error)})


def ended(call, key):
    try:
        call()
        return {key: True}
    except KafkaException as e:
        error = e.args[0]
        return {'error': str(error), 'fatal': error.fatal()}


def main():
    producer = None
    for line in sys.stdin:
        command = json.loads(line)
        op = command['op']
        if op == 'start':
            config = dict(command['config'], error_cb=lambda e: emit({'client_error': str(e)}))
            producer = Producer(config)
            if 'transactional.id' in config:
                producer.init_transactions(command.get('timeout', 30))
            emit({'started': True})
        elif op == 'begin':
            producer.begin_transaction()
            emit({'begun': True})
        elif op == 'produce':
            for value in command['values']:
                producer.produce(command['topic'], value=value.encode(), partition=0, on_delivery=on_delivery)
                producer.poll(0)
        elif op == 'flush':
            emit({'flushed': producer.flush(command.get('timeout', 30))})
        elif op == 'commit':
            emit(ended(lambda: producer.commit_transaction(command.get('timeout', 30)), 'committed'))
        elif op == 'abort':
            emit(ended(lambda: producer.abort_transaction(command.get('timeout', 30)), 'aborted'))
        else:
            raise ValueError('unknown op %r' % op)


if __name__ == '__main__':
    main()
