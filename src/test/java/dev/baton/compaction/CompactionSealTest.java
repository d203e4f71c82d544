package dev.baton.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.protocol.ApiException;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.ContentPart;
import dev.baton.protocol.Item;
import dev.baton.protocol.MessageItem;
import dev.baton.render.RenderedContext;
import dev.baton.session.TenantId;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sealed summaries open only under a key of the ring, unaltered, for the tenant they were sealed for. */
class CompactionSealTest {

    private static final String K1 = "k1:" + Base64.getEncoder().encodeToString(new byte[32]);
    private static final String K2 = "k2:" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    private static final TenantId ACME = new TenantId("acme");

    @Test
    void opensWhatItSealedAndAKeyRotatedInStillOpensOlderItems() {
        String sealed = new CompactionSeal(List.of(K1)).seal(ACME, "the plan: ship on Friday");
        assertTrue(sealed.startsWith("baton1.k1."), sealed);
        assertEquals(new CompactionSeal.Opened(ACME, "the plan: ship on Friday"), new CompactionSeal(List.of(K1)).open(sealed));
        CompactionSeal rotated = new CompactionSeal(List.of(K2, K1));
        assertEquals("the plan: ship on Friday", rotated.open(sealed).summary(), "the old key still opens");
        assertTrue(rotated.seal(ACME, "x").startsWith("baton1.k2."), "the first key seals");
        assertNull(new CompactionSeal(List.of(K2)).open(sealed), "a retired key's items no longer open");
    }

    @Test
    void anAlteredOrForeignItemDoesNotOpenAndARequestCarryingOneIsRefused() {
        CompactionSeal seal = new CompactionSeal(List.of(K1));
        String sealed = seal.seal(ACME, "summary");
        char flipped = sealed.charAt(sealed.length() - 5) == 'A' ? 'B' : 'A';
        String altered = sealed.substring(0, sealed.length() - 5) + flipped + sealed.substring(sealed.length() - 4);
        assertNull(seal.open(altered));
        assertNull(seal.open(sealed.replace("baton1.k1.", "baton1.k2.")), "an unknown key id");
        assertNull(seal.open("not sealed at all"));
        assertNull(seal.open(new CompactionSeal(List.of()).seal(ACME, "summary")), "another process's own key");

        ApiException foreign = assertThrows(ApiException.class,
                () -> seal.verify(new TenantId("other"), List.of(new CompactionItem("cmp_1", sealed)), 2));
        ApiException tampered = assertThrows(ApiException.class,
                () -> seal.verify(ACME, List.of(new CompactionItem("cmp_1", altered)), 2));
        assertEquals("invalid_encrypted_content", foreign.error().code());
        assertEquals("input[2].encrypted_content", foreign.error().param());
        assertEquals(tampered.error(), foreign.error(), "another tenant's item is refused exactly like an altered one");
        seal.verify(ACME, List.of(new CompactionItem("cmp_1", sealed)), 0);
    }

    @Test
    void aStoredHistoryWhoseCompactionItemNoLongerOpensIsRefusedNamingTheItem() {
        CompactionSeal seal = new CompactionSeal(List.of(K1));
        RenderedContext history = RenderedContext.EMPTY.append(List.of(user("one"),
                new CompactionItem("cmp_old", seal.seal(ACME, "the first summary")), user("two"),
                new CompactionItem("cmp_new", seal.seal(ACME, "the second summary")), user("three")));
        assertEquals(List.of("cmp_new", "cmp_old"), history.compactionItems().stream().map(CompactionItem::id).toList());
        assertEquals(List.of("cmp_old"), history.dropLast(3).compactionItems().stream().map(CompactionItem::id).toList());
        seal.verifyHistory(ACME, history, "resp_1");

        ApiException replaced = assertThrows(ApiException.class,
                () -> new CompactionSeal(List.of(K2)).verifyHistory(ACME, history, "resp_1"));
        assertEquals(400, replaced.error().status());
        assertEquals("invalid_encrypted_content", replaced.error().code());
        assertEquals("previous_response_id", replaced.error().param());
        assertTrue(replaced.error().message().contains("'resp_1'") && replaced.error().message().contains("'cmp_new'"),
                replaced.error().message());
        assertThrows(ApiException.class, () -> seal.verifyHistory(new TenantId("other"), history, "resp_1"));
        // and an engine that meets one anyway fails the turn instead of reading a placeholder
        new CompactionSeal(List.of(K2));
        assertEquals("invalid_encrypted_content", assertThrows(ApiException.class,
                () -> history.compactionItems().get(0).summary()).error().code());
    }

    @Test
    void aSealAwaitingTheSharedKeyRefusesToSealOrOpenWith503UntilItKnowsIt() {
        CompactionSeal seal = CompactionSeal.awaitingSharedKey();
        List<Item> sent = List.of(new CompactionItem("cmp_1", new CompactionSeal(List.of(K1)).seal(ACME, "s")));
        for (org.junit.jupiter.api.function.Executable refused : List.<org.junit.jupiter.api.function.Executable>of(
                seal::requireKey, () -> seal.seal(ACME, "summary"), () -> seal.verify(ACME, sent, 0))) {
            ApiException unavailable = assertThrows(ApiException.class, refused);
            assertEquals(503, unavailable.error().status());
            assertEquals("server_error", unavailable.error().type());
            assertEquals("compaction_key_unavailable", unavailable.error().code());
        }
        seal.verify(ACME, List.of(user("no compaction item, nothing to open")), 0);

        assertTrue(seal.useSharedKey(K1));
        assertFalse(seal.useSharedKey(K1), "the same key again changes nothing");
        seal.requireKey();
        seal.verify(ACME, sent, 0);
        assertTrue(seal.seal(ACME, "x").startsWith("baton1.k1."));
        assertTrue(seal.useSharedKey(K2), "a key made again after Redis lost it seals from now on");
        assertTrue(seal.seal(ACME, "y").startsWith("baton1.k2."));
        seal.verify(ACME, sent, 0); // and the key it replaced still opens what it sealed
        List<Item> sealedFirst = List.of(new CompactionItem("cmp_2", seal.seal(ACME, "z")));
        for (int i = 0; i < CompactionSeal.SHARED_KEYS_KEPT; i++) {
            seal.useSharedKey(CompactionSeal.newKey("shared"));
        }
        assertEquals("invalid_encrypted_content", assertThrows(ApiException.class,
                () -> seal.verify(ACME, sent, 0)).error().code(), "only the newest " + CompactionSeal.SHARED_KEYS_KEPT
                + " keys are kept");
        assertEquals("invalid_encrypted_content", assertThrows(ApiException.class,
                () -> seal.verify(ACME, sealedFirst, 0)).error().code());
        assertThrows(IllegalArgumentException.class, () -> seal.useSharedKey("k3:AAAA"));
        assertThrows(IllegalStateException.class, () -> new CompactionSeal(List.of(K1)).useSharedKey(K2),
                "configured keys are not replaced from Redis");
    }

    @Test
    void aNewKeyIsAValidEntryWithAFreshId() {
        String one = CompactionSeal.newKey("shared");
        String two = CompactionSeal.newKey("shared");
        assertTrue(one.matches("shared-[0-9a-f]{12}:[A-Za-z0-9+/]{43}="), one);
        assertFalse(one.substring(0, one.indexOf(':')).equals(two.substring(0, two.indexOf(':'))));
        new CompactionSeal(List.of(one, two));
    }

    private static MessageItem user(String text) {
        return new MessageItem(null, "completed", "user", List.of(ContentPart.Text.input(text)));
    }

    @Test
    void refusesKeysThatAreNotThirtyTwoBytesOfBase64WithAnId() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CompactionSeal(List.of("k1:AAAA")))
                .getMessage().contains("needs 32"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CompactionSeal(List.of("nokey")))
                .getMessage().contains("no valid id"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CompactionSeal(List.of("k1:@@@")))
                .getMessage().contains("not base64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CompactionSeal(List.of(K1, K1)))
                .getMessage().contains("listed twice"));
    }
}
