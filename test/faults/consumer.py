"""The fault harness's reader (confluent-kafka-python, librdkafka): reads the partitions
from the given offsets the whole time, following leaders as they move, read_uncommitted
(to the high watermark, what Kafka lets a consumer see). No group: assign() only, nothing
committed. Prints `seen <partition> <offset> <key> <value>` per record (and `error ...`
for errors) until SIGTERM.

Usage: consumer.py BOOTSTRAP TOPIC PARTITION:OFFSET...
"""
import signal
import sys

from confluent_kafka import Consumer, TopicPartition

bootstrap, topic = sys.argv[1:3]
starts = [tuple(int(n) for n in arg.split(":")) for arg in sys.argv[3:]]
stopping = False


def stop(_signum, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)

consumer = Consumer(
    {
        "bootstrap.servers": bootstrap,
        "group.id": "tributary-faults-reader",
        "enable.auto.commit": False,
        # An offset past the new leader's end (records gone) reads again from the start:
        # whatever was seen and is gone shows as a different record at the same offset.
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
        "socket.timeout.ms": 10000,
        "topic.metadata.refresh.interval.ms": 1000,
        "isolation.level": "read_uncommitted",
    }
)
consumer.assign([TopicPartition(topic, p, offset) for p, offset in starts])
out = sys.stdout
while not stopping:
    for message in consumer.consume(500, 0.2):
        if message.error() is not None:
            out.write(f"error {message.error().name()}\n")
        else:
            key = message.key().decode()
            out.write(f"seen {message.partition()} {message.offset()} {key} {message.value().decode()}\n")
    out.flush()
consumer.close()
