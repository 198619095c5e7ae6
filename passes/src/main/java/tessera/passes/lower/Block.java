package tessera.passes.lower;

import java.util.ArrayList;
import java.util.List;
import tessera.ir.loop.LStmt;

/** A list of Loop IR statements being built. */
final class Block {
    final List<LStmt> stmts = new ArrayList<>();

    void add(LStmt s) {
        stmts.add(s);
    }

    boolean isEmpty() {
        return stmts.isEmpty();
    }

    List<LStmt> done() {
        return List.copyOf(stmts);
    }
}
