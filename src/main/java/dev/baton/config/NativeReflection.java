package dev.baton.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Classes the native image must keep for reflective construction. Caffeine picks a generated cache
 * and node class per feature set ({@code S}trong keys/values, {@code S}tats, {@code M}aximum
 * {@code S}ize/{@code W}eight, {@code W}rite or {@code A}ccess/variable expiry, {@code L}istener); each cache
 * shape Baton builds is listed here.
 * A new cache shape fails the native smoke test until its pair is added.
 */
@RegisterForReflection(classNames = {
        // session.HotCache: removal listener, stats, maximum weight, variable expiry
        "com.github.benmanes.caffeine.cache.SSLSMWA", "com.github.benmanes.caffeine.cache.PSWMW",
        // engine.simulator.SimulatorEngine prefix cache: maximum size
        "com.github.benmanes.caffeine.cache.SSMS", "com.github.benmanes.caffeine.cache.PSMS",
        // render.prompt.PromptCache (token-in engines): maximum weight (checked on the JVM: SSMW, PSMW)
        "com.github.benmanes.caffeine.cache.SSMW", "com.github.benmanes.caffeine.cache.PSMW",
        // conversation.ConversationStore without Redis: maximum size, expiry after access
        "com.github.benmanes.caffeine.cache.SSMSA", "com.github.benmanes.caffeine.cache.PSAMS",
        // background.BackgroundRuns without Redis (ended responses): maximum size, expiry after write
        "com.github.benmanes.caffeine.cache.SSMSW", "com.github.benmanes.caffeine.cache.PSWMS"})
final class NativeReflection {

    private NativeReflection() {
    }
}
