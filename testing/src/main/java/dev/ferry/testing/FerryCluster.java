package dev.ferry.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a real Ferry cluster in the test's JVM for the whole test class, as spring-kafka's {@code @EmbeddedKafka}:
 * the nodes start before the first test (in a temporary directory), the topics are created, and test methods,
 * constructors and lifecycle methods may take an {@link EmbeddedFerry} or a {@link dev.ferry.client.admin.FerryAdmin}
 * parameter. The cluster is killed and its files deleted after the last test.
 *
 * <pre>{@code
 * @FerryCluster(nodes = 3, topics = {"orders", "payments"}, partitions = 6)
 * class OrdersTest {
 *     @Test
 *     void ships(EmbeddedFerry ferry) {
 *         String bootstrap = ferry.bootstrapServers();
 *         ...
 *     }
 * }
 * }</pre>
 *
 * For settings computed at run time use {@link FerryClusterExtension} with {@code @RegisterExtension} instead.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(FerryClusterExtension.class)
public @interface FerryCluster {
    /** @return the number of nodes (the first three are the controller quorum; 1, 3 or 5 tolerate failures best) */
    int nodes() default 1;

    /** @return topics to create before the tests */
    String[] topics() default {};

    /** @return partitions of each topic */
    int partitions() default 1;

    /** @return replicas per partition; 0 = as many as nodes, at most 3 */
    int replicationFactor() default 0;

    /** @return node settings as "key=value" (e.g. "log.segment.bytes=1048576"), on top of quick test timeouts */
    String[] nodeSettings() default {};
}
