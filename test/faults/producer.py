"""The fault harness's librdkafka producer (confluent-kafka-python): idempotent, acks=all,
numbered records to one partition, key = <PRODUCER_ID>.<n> for its n-th producer instance
(Kafka producer id), value = its sequence number (going on from one instance to the next).
Prints a line per outcome on stdout, for the harness to record:
  ack <partition> <offset> <seq> <sent> <key>   the broker acknowledged record <seq> (produced
                                               at <sent>, ms since the epoch) at <offset>
  nack <seq> <error>               delivery failed (the record may or may not be in the log)
  fatal <error>                    the producer instance is unusable; a new one carries on
Stops producing on SIGTERM, waits up to 30 s for what is in flight, prints `done` and exits.

Usage: producer.py BOOTSTRAP TOPIC PARTITION PRODUCER_ID RATE_PER_SECOND
"""
import signal
import sys
import time

from confluent_kafka import KafkaException, Producer

bootstrap, topic, partition, producer_id, rate = sys.argv[1:6]
partition = int(partition)
interval = 1.0 / float(rate)
stopping = False


def stop(_signum, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


fatal = []
sent_at = {}


def on_error(error):
    # An idempotent producer's fatal error (e.g. a sequence the broker does not expect)
    # ends the instance: librdkafka's rule, the harness's cue to start another.
    if error.fatal():
        fatal.append(error)


def on_delivery(error, message):
    seq = int(message.value())
    sent = sent_at.pop(seq)
    if error is None:
        say(f"ack {message.partition()} {message.offset()} {seq} {sent} {message.key().decode()}")
    else:
        say(f"nack {seq} {error.name()}")


def new_producer():
    return Producer(
        {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            "message.timeout.ms": 60000,
            "socket.timeout.ms": 10000,
            "topic.metadata.refresh.interval.ms": 1000,
            "error_cb": on_error,
        }
    )


producer = new_producer()
instance = 0
seq = 0
while not stopping:
    if fatal:
        say(f"fatal {fatal.pop().name()}")
        producer.flush(5)
        producer = new_producer()
        instance += 1
    try:
        sent_at[seq] = int(time.time() * 1000)
        producer.produce(topic, key=f"{producer_id}.{instance}", value=str(seq), partition=partition, on_delivery=on_delivery)
        seq += 1
    except BufferError:
        pass
    except KafkaException as error:
        say(f"error {error}")
    # poll() returns as soon as it served a callback: the pace is the sleep's.
    producer.poll(0)
    time.sleep(interval)
producer.flush(30)
say("done")
