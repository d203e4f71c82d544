package dev.baton.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.config.BatonConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.smallrye.config.WithName;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every overlay renders and parses strictly, and the manifests agree with the code: every {@code BATON_*} name is a
 * setting Baton reads, every {@code QUARKUS_*} name a documented one, and the grace period outlasts the drain.
 * (The probe paths are asked of a running Baton in {@link K8sProbesTest}.)
 */
class K8sManifestsTest {

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void everyOverlayRendersIntoKnownKindsWithNoUnrecognisedField(String overlay) throws Exception {
        List<HasMetadata> objects = Manifests.render(overlay);
        assertTrue(objects.size() >= 8, overlay + " renders " + objects.size() + " objects");
        for (HasMetadata object : objects) {
            assertEquals(List.of(), Manifests.unrecognised(object), overlay + " " + object.getKind() + "/"
                    + object.getMetadata().getName());
        }
    }

    @Test
    void aMisspeltFieldIsCaught() throws Exception {
        Deployment deployment = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      containers:
                        - name: x
                          readinesProbe: {httpGet: {path: /q/health/ready, port: 8080}}
                """, Deployment.class);
        assertEquals(1, Manifests.unrecognised(deployment).size(), Manifests.unrecognised(deployment).toString());
        assertTrue(Manifests.unrecognised(deployment).get(0).contains("readinesProbe"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void everySettingNamedIsOneBatonReads(String overlay) throws Exception {
        Set<String> known = batonEnvironmentNames();
        String readme = Files.readString(Path.of("README.md"));
        List<String> unknown = new ArrayList<>();
        for (String name : settingNames(Manifests.render(overlay))) {
            if (name.startsWith("BATON_") && !known.contains(name)) {
                unknown.add(name);
            }
            if (name.startsWith("QUARKUS_") && !readme.contains("`" + name + "`")) {
                unknown.add(name + " (not in README's configuration table)");
            }
        }
        assertEquals(List.of(), unknown, overlay);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void theGracePeriodOutlastsThePreStopTheDrainAndTheShutdown(String overlay) throws Exception {
        List<HasMetadata> objects = Manifests.render(overlay);
        Deployment baton = Manifests.baton(objects);
        long grace = baton.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        Container container = baton.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.get(0));
        long preStopSeconds = Long.parseLong(preStop.get(1));
        String drain = settings(objects).getOrDefault("BATON_DRAIN_TIMEOUT", "25s");
        String properties = Files.readString(Path.of("src/main/resources/application.properties"));
        long needed = preStopSeconds + seconds(drain) + seconds(property(properties, "quarkus.shutdown.delay"))
                + seconds(property(properties, "quarkus.shutdown.timeout"));
        assertTrue(grace > needed, overlay + ": terminationGracePeriodSeconds " + grace + " must exceed " + needed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void compactionKeysComeFromASecretRequiredInProduction(String overlay) throws Exception {
        Container container = Manifests.baton(Manifests.render(overlay)).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        List<EnvVar> keys = container.getEnv().stream().filter(env -> env.getName().equals("BATON_COMPACTION_KEYS"))
                .toList();
        assertEquals(1, keys.size(), overlay + ": BATON_COMPACTION_KEYS is set once");
        io.fabric8.kubernetes.api.model.SecretKeySelector secret = keys.get(0).getValueFrom().getSecretKeyRef();
        assertEquals("baton-compaction-keys", secret.getName());
        assertEquals("keys", secret.getKey());
        // without the Secret, replicas sharing a Redis share a key kept there; production brings its own keys
        assertEquals(!overlay.equals("overlays/prod"), Boolean.TRUE.equals(secret.getOptional()), overlay);
    }

    @Test
    void theProductionIngressOutlastsTheLongestWebSocket() throws Exception {
        Ingress ingress = Manifests.render("overlays/prod").stream().filter(Ingress.class::isInstance)
                .map(Ingress.class::cast).findFirst().orElseThrow();
        long maxAge = 60 * 60; // BATON_WS_MAX_AGE's default: 60 minutes
        for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            long seconds = Long.parseLong(ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/" + timeout));
            assertTrue(seconds > maxAge, timeout + " " + seconds);
        }
        Deployment baton = Manifests.baton(Manifests.render("overlays/prod"));
        assertTrue(baton.getSpec().getReplicas() >= 3);
        assertEquals(2, baton.getSpec().getTemplate().getSpec().getTopologySpreadConstraints().size());
    }

    /** The environment names in the Baton container and its settings ConfigMap. */
    private static Set<String> settingNames(List<HasMetadata> objects) {
        Set<String> names = new TreeSet<>(settings(objects).keySet());
        for (Container container : Manifests.baton(objects).getSpec().getTemplate().getSpec().getContainers()) {
            if (container.getEnv() != null) {
                container.getEnv().stream().map(EnvVar::getName).forEach(names::add);
            }
        }
        return names;
    }

    private static java.util.Map<String, String> settings(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof ConfigMap && o.getMetadata().getName().startsWith("baton-settings"))
                .map(o -> ((ConfigMap) o).getData()).findFirst().orElseThrow();
    }

    /** Every property of {@link BatonConfig} in its environment form ({@code baton.ws.max-age} → {@code BATON_WS_MAX_AGE}). */
    static Set<String> batonEnvironmentNames() {
        Set<String> names = new TreeSet<>();
        collect(BatonConfig.class, "baton", names);
        return names;
    }

    private static void collect(Class<?> mapping, String prefix, Set<String> names) {
        for (Method method : mapping.getMethods()) {
            if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers()) || method.isDefault()) {
                continue;
            }
            WithName renamed = method.getAnnotation(WithName.class);
            String name = prefix + "." + (renamed != null ? renamed.value() : kebab(method.getName()));
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() == BatonConfig.class) {
                collect(type, name, names);
            } else {
                names.add(name.toUpperCase().replace('.', '_').replace('-', '_'));
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static String property(String properties, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "=(.+)$").matcher(properties);
        return m.find() ? m.group(1).trim() : "0s";
    }

    private static long seconds(String duration) {
        return Duration.parse("PT" + duration.toUpperCase()).toSeconds();
    }
}
