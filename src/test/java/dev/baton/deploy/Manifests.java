package dev.baton.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The {@code k8s/} overlays as Kubernetes would read them: rendered by {@code kubectl kustomize}, each object
 * parsed into fabric8's typed model, and nothing left unrecognised anywhere (fabric8 keeps unknown fields in
 * {@code additionalProperties}; a misspelt {@code readinesProbe} lands there).
 */
final class Manifests {

    static final List<String> OVERLAYS = List.of("base", "overlays/dev", "overlays/prod");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Manifests() {
    }

    /** The objects an overlay renders to, typed; skips where kubectl is missing unless BATON_REQUIRE_KUBECTL is set. */
    static List<HasMetadata> render(String overlay) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", "k8s/" + overlay).redirectErrorStream(false).start();
        } catch (IOException e) {
            Assumptions.assumeTrue(System.getenv("BATON_REQUIRE_KUBECTL") != null, "kubectl is not installed");
            throw e;
        }
        byte[] out = process.getInputStream().readAllBytes();
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "kubectl kustomize k8s/" + overlay + ": " + errors);
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : new String(out, StandardCharsets.UTF_8).split("(?m)^---$")) {
            if (document.isBlank()) {
                continue;
            }
            KubernetesResource parsed = SERIALIZATION.unmarshal(document, KubernetesResource.class);
            assertTrue(parsed instanceof HasMetadata && !(parsed instanceof GenericKubernetesResource),
                    overlay + ": not a known Kubernetes kind: " + document.lines().limit(3).toList());
            objects.add((HasMetadata) parsed);
        }
        return objects;
    }

    static Deployment baton(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof Deployment && o.getMetadata().getName().equals("baton"))
                .map(Deployment.class::cast).findFirst().orElseThrow();
    }

    /** Every field of every object, by path, that the typed model did not recognise. */
    static List<String> unrecognised(Object root) {
        List<String> found = new ArrayList<>();
        walk(root, root.getClass().getSimpleName(), found, new IdentityHashMap<>());
        return found;
    }

    private static void walk(Object node, String path, List<String> found, Map<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> walk(value, path + "." + key, found, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": " + extra.keySet());
                }
                continue;
            }
            walk(value, path + "." + decapitalise(getter.getName().substring(3)), found, seen);
        }
    }

    private static String decapitalise(String name) {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
