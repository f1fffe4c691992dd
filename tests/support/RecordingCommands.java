package tests.support;

import lib.Proc;
import lib.schedule.Commands;

import java.nio.file.Path;
import java.util.*;
import java.util.function.Function;

/**
 * {@link Commands} that change nothing: every call is recorded for exact assertions (schtasks argument
 * lists on Linux), files are kept in memory, and reads answer from a table the test fills in.
 */
public final class RecordingCommands implements Commands {
    /** Every change, in order: the argument list, and the stdin given (null when none). */
    public record Call(List<String> cmd, String stdin) {}

    public final List<Call> changes = new ArrayList<>();
    public final List<List<String>> reads = new ArrayList<>();
    public final Map<Path, byte[]> files = new LinkedHashMap<>();
    public final List<Path> deleted = new ArrayList<>();
    private Function<List<String>, Proc.Result> answers = cmd -> new Proc.Result(0, "", "");

    /** How reads (and changes) are answered; default: exit 0, no output. */
    public RecordingCommands answering(Function<List<String>, Proc.Result> answers) {
        this.answers = answers;
        return this;
    }

    @Override
    public Proc.Result change(List<String> cmd, String stdin) {
        changes.add(new Call(List.copyOf(cmd), stdin));
        return answers.apply(cmd);
    }

    @Override
    public Proc.Result read(List<String> cmd) {
        reads.add(List.copyOf(cmd));
        return answers.apply(cmd);
    }

    @Override
    public void write(Path file, byte[] content) { files.put(file, content.clone()); }

    @Override
    public void delete(Path file) {
        deleted.add(file);
        files.remove(file);
    }

    @Override
    public boolean dryRun() { return false; }

    /** The recorded changes' argument lists only. */
    public List<List<String>> commands() { return changes.stream().map(Call::cmd).toList(); }
}
