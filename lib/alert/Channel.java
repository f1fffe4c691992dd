package lib.alert;

/**
 * A way to reach the operator. A failed send throws {@link lib.OpsException} naming the cause and the
 * fix (server down, bad password, HTTP 500); the caller logs it and retries on the next run.
 */
public interface Channel {
    /** "email", "webhook": the key under which sends are recorded in the alert state. */
    String name();

    /** Sends one message within the configured timeout, or throws. */
    void send(Message message);
}
