package lib.alert;

/**
 * One notification as every channel sends it: the subject line (also the webhook's first line) and a
 * plain-text body. {@code event} is alert, reminder, recovered or test; {@code severity} is critical,
 * warning or ok. Bodies are built from measured values only: never from configuration secrets.
 */
public record Message(String event, String severity, String subject, String body) {
    /** Subject and body as one text, for channels with a single text field. */
    public String text() { return subject + "\n\n" + body; }
}
