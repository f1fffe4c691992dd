package lib;

/** The release of this kit, shown by every script's --version and recorded in manifests. */
public final class Version {
    public static final String NUMBER = "0.1.0";

    private Version() {}
}
