package io.sipstream.schemas;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the catalogue's missing topics and verifies the existing ones at start-up: a topic with
 * the wrong partition count breaks co-partitioned joins, and one with the wrong cleanup policy
 * loses table data, so either stops the start with the reason instead of failing later.
 */
public final class TopicBootstrapper {
    private static final Logger log = LoggerFactory.getLogger(TopicBootstrapper.class);

    /** A topic that exists but does not match the catalogue. */
    public static final class TopicMismatchException extends RuntimeException {
        public TopicMismatchException(String message) { super(message); }
    }

    private final Admin admin;
    private final short replicationFactor;

    public TopicBootstrapper(Admin admin, short replicationFactor) {
        this.admin = admin;
        this.replicationFactor = replicationFactor;
    }

    /** Ensures every topic of {@link Topics#ALL}. */
    public void ensureAll() {
        ensure(Topics.ALL);
    }

    public void ensure(Collection<Topic<?>> topics) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            List<Topic<?>> present = new ArrayList<>();
            for (Topic<?> topic : topics) {
                if (existing.contains(topic.name())) present.add(topic);
                else missing.add(new NewTopic(topic.name(), topic.partitions(), replicationFactor).configs(topic.configs()));
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw e; // another service raced us: fine
                }
                log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
                awaitLeaders(missing.stream().map(NewTopic::name).toList());
            }
            verify(present);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create or verify topics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until the broker's metadata shows a leader for every partition of the new topics: the
     * controller has them once createTopics returns, the broker a moment later, and a Streams global
     * store started in that moment fails with "no partitions available" (seen on a fresh broker).
     */
    private void awaitLeaders(List<String> names) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<String, TopicDescription> found = admin.describeTopics(names).allTopicNames().get(5, TimeUnit.SECONDS);
                boolean led = found.values().stream().allMatch(d -> !d.partitions().isEmpty()
                        && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led) return;
            } catch (ExecutionException e) {
                // UnknownTopicOrPartition until the broker's metadata has the topic: ask again
            }
            if (System.nanoTime() > deadline) throw new TimeoutException("topics " + names + " have no leader after 30 s");
            Thread.sleep(50);
        }
    }

    private void verify(List<Topic<?>> topics) throws ExecutionException, InterruptedException, TimeoutException {
        if (topics.isEmpty()) return;
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(topics.stream().map(Topic::name).toList()).allTopicNames().get(30, TimeUnit.SECONDS);
        List<ConfigResource> resources = topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
        List<String> problems = new ArrayList<>();
        for (Topic<?> topic : topics) {
            int partitions = descriptions.get(topic.name()).partitions().size();
            if (partitions != topic.partitions()) {
                problems.add(topic.name() + " has " + partitions + " partitions, the catalogue needs " + topic.partitions());
            }
            var policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy != null && !policy.value().contains(topic.cleanup().policy())) {
                problems.add(topic.name() + " has cleanup.policy=" + policy.value() + ", the catalogue needs " + topic.cleanup().policy());
            }
        }
        if (!problems.isEmpty()) throw new TopicMismatchException("topics do not match the catalogue: " + String.join("; ", problems));
        log.debug("verified topics {}", topics);
    }
}
