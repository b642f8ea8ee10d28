#!/bin/sh
# librdkafka's tests run "$KAFKA_PATH/bin/kafka-topics.sh --bootstrap-server ... ARGS" to create,
# delete and grow topics (test.c test_kafka_topics); this stands in for Kafka's script.
exec node "$(dirname "$0")/kafka-topics.mjs" "$@"
