package dev.weft.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A tiny client for poking at the test broker by hand or from a test.
 *
 * <pre>
 * Probe BOOTSTRAP create  TOPIC PARTITIONS
 * Probe BOOTSTRAP produce TOPIC VALUE...
 * Probe BOOTSTRAP produce-meta TOPIC PARTITION TIMESTAMP_MS VALUE [HEADER=VALUE | HEADER]...
 * Probe BOOTSTRAP txn     TOPIC commit|abort VALUE...     (one transaction, random transactional.id)
 * Probe BOOTSTRAP consume TOPIC COUNT [read_committed|read_uncommitted]
 * </pre>
 *
 * <p>{@code consume} reads every partition from the beginning without a consumer group, prints
 * one value per line and exits 1 if fewer than COUNT records arrive within 30 s (0 = read what is
 * there within 3 s). The default isolation level is read_committed.
 */
public final class Probe {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      usage();
    }
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    String bootstrap = args[0];
    String topic = args[2];
    List<String> rest = Arrays.asList(args).subList(3, args.length);
    switch (args[1]) {
      case "create" -> create(bootstrap, topic, Integer.parseInt(rest.get(0)));
      case "produce" -> produce(bootstrap, topic, rest);
      case "produce-meta" ->
          produceMeta(
              bootstrap,
              topic,
              Integer.parseInt(rest.get(0)),
              Long.parseLong(rest.get(1)),
              rest.get(2),
              rest.subList(3, rest.size()));
      case "txn" -> txn(bootstrap, topic, rest.get(0), rest.subList(1, rest.size()));
      case "consume" ->
          System.exit(
              consume(
                  bootstrap,
                  topic,
                  Integer.parseInt(rest.get(0)),
                  rest.size() > 1 ? rest.get(1) : "read_committed"));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println(
        "usage: Probe BOOTSTRAP create TOPIC PARTITIONS | produce TOPIC VALUE... |"
            + " txn TOPIC commit|abort VALUE... | consume TOPIC COUNT [read_committed|read_uncommitted]");
    System.exit(2);
  }

  private static void create(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static Properties producerConfig(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  private static void produce(String bootstrap, String topic, List<String> values)
      throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap))) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, v)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * One record with a CreateTime timestamp and headers: {@code k=v} has value v, a bare
   * {@code k} a null value.
   */
  private static void produceMeta(
      String bootstrap,
      String topic,
      int partition,
      long timestamp,
      String value,
      List<String> headers)
      throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap))) {
      ProducerRecord<String, String> r =
          new ProducerRecord<>(topic, partition, timestamp, null, value);
      for (String h : headers) {
        int eq = h.indexOf('=');
        if (eq < 0) {
          r.headers().add(h, null);
        } else {
          r.headers()
              .add(
                  h.substring(0, eq),
                  h.substring(eq + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      producer.send(r).get(30, TimeUnit.SECONDS);
    }
  }

  private static void txn(String bootstrap, String topic, String outcome, List<String> values) {
    if (!outcome.equals("commit") && !outcome.equals("abort")) {
      usage();
    }
    Properties p = producerConfig(bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "weft-probe-" + System.nanoTime());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, v));
      }
      // Write the records before deciding, so an abort leaves aborted data in the log.
      producer.flush();
      if (outcome.equals("commit")) {
        producer.commitTransaction();
      } else {
        producer.abortTransaction();
      }
    }
  }

  private static int consume(String bootstrap, String topic, int count, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    int seen = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + (count == 0 ? 3_000 : 30_000);
      while (System.currentTimeMillis() < deadline && (count == 0 || seen < count)) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          System.out.println(r.value());
          seen++;
        }
      }
    }
    System.out.flush();
    return seen >= count ? 0 : 1;
  }

  private Probe() {}
}
