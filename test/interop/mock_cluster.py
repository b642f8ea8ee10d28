"""librdkafka's mock cluster (the in-memory Kafka broker librdkafka ships for its own
tests), run from the librdkafka that confluent-kafka-python links, through ctypes so
that topics can be created with a chosen partition count: librdkafka 2.0.2 has no
setting for that, its auto-created topics always get 4 partitions.

Prints {"bootstrap": "host:port,..."} once the brokers listen, then answers one JSON
command per stdin line with one JSON line; exits when stdin closes.
Commands: {"op": "create_topic", "topic": str, "partitions": int, "replication_factor": int}.
"""
import ctypes
import json
import sys

import confluent_kafka

RD_KAFKA_PRODUCER = 0


def load_librdkafka():
    lib = ctypes.CDLL('librdkafka.so.1')
    lib.rd_kafka_version_str.restype = ctypes.c_char_p
    linked = confluent_kafka.libversion()[0]
    loaded = lib.rd_kafka_version_str().decode()
    if loaded != linked:
        raise RuntimeError('librdkafka.so.1 is %s but confluent_kafka links %s' % (loaded, linked))
    signatures = {
        'rd_kafka_conf_new': ([], ctypes.c_void_p),
        'rd_kafka_conf_set': ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_int),
        'rd_kafka_new': ([ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_void_p),
        'rd_kafka_destroy': ([ctypes.c_void_p], None),
        'rd_kafka_handle_mock_cluster': ([ctypes.c_void_p], ctypes.c_void_p),
        'rd_kafka_mock_cluster_bootstraps': ([ctypes.c_void_p], ctypes.c_char_p),
        'rd_kafka_mock_topic_create': ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        'rd_kafka_err2name': ([ctypes.c_int], ctypes.c_char_p),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = restype
    return lib


def start_cluster(lib, settings):
    conf = lib.rd_kafka_conf_new()
    errstr = ctypes.create_string_buffer(512)
    for name, value in settings.items():
        if lib.rd_kafka_conf_set(conf, name.encode(), str(value).encode(), errstr, len(errstr)) != 0:
            raise RuntimeError('%s=%s: %s' % (name, value, errstr.value.decode()))
    handle = lib.rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, len(errstr))
    if not handle:
        raise RuntimeError('rd_kafka_new: ' + errstr.value.decode())
    cluster = lib.rd_kafka_handle_mock_cluster(handle)
    if not cluster:
        raise RuntimeError('no mock cluster on the handle')
    return handle, cluster


def create_topic(lib, cluster, command):
    error = lib.rd_kafka_mock_topic_create(
        cluster, command['topic'].encode(), command['partitions'], command.get('replication_factor', 1))
    return {'error': lib.rd_kafka_err2name(error).decode() if error else None}


def main():
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    settings = {'test.mock.num.brokers': options.get('brokers', 1)}
    if options.get('debug'):
        settings['debug'] = options['debug']
    lib = load_librdkafka()
    handle, cluster = start_cluster(lib, settings)
    print(json.dumps({'bootstrap': lib.rd_kafka_mock_cluster_bootstraps(cluster).decode(),
                      'librdkafka': confluent_kafka.libversion()[0]}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command['op'] == 'create_topic':
            reply = create_topic(lib, cluster, command)
        else:
            reply = {'error': 'unknown op ' + command['op']}
        print(json.dumps(reply), flush=True)
    lib.rd_kafka_destroy(handle)


main()
