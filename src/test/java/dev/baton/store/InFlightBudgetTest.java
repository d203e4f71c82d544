package dev.baton.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InFlightBudgetTest {

    @Test
    void refusesBeyondItsCount() {
        InFlightBudget budget = new InFlightBudget(2, 1_000);
        assertTrue(budget.tryTake(10));
        assertTrue(budget.tryTake(10));
        assertFalse(budget.tryTake(1), "a third call");
        budget.giveBack(10);
        assertTrue(budget.tryTake(1), "room again once one was answered");
        assertEquals(2, budget.calls());
        assertEquals(11, budget.bytes());
    }

    @Test
    void refusesBeyondItsBytes() {
        InFlightBudget budget = new InFlightBudget(100, 1_000);
        assertTrue(budget.tryTake(600));
        assertFalse(budget.tryTake(500), "1,100 bytes in flight");
        assertTrue(budget.tryTake(400));
        assertFalse(budget.tryTake(1));
        budget.giveBack(600);
        budget.giveBack(400);
        assertEquals(0, budget.calls());
        assertEquals(0, budget.bytes());
    }

    @Test
    void oneCallLargerThanTheBytesGoesAlone() {
        InFlightBudget budget = new InFlightBudget(100, 1_000);
        assertTrue(budget.tryTake(5_000), "nothing else in flight: a large record is never refused forever");
        assertFalse(budget.tryTake(1), "but nothing goes beside it");
        budget.giveBack(5_000);
        assertTrue(budget.tryTake(1));
    }

    @Test
    void sizesArgumentsByTheirCharacters() {
        assertEquals(9, InFlightBudget.sizeOf(new String[] {"abc", "", "defghi"}));
    }
}
