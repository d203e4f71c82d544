package dev.baton.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.protocol.ApiException;
import dev.baton.protocol.CompactionItem;
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
