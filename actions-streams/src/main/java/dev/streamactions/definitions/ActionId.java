package dev.streamactions.definitions;

import java.util.regex.Pattern;

/**
 * An action's identity: its org and name. Written {@code <org>/<name>}: the key of its definition and
 * of its run records.
 */
public record ActionId(String org, String name) {
    /**
     * Names become parts of topic names ({@code actions.<org>.<name>.out}), so they keep to the
     * characters Kafka allows there; this also refuses the {@code :} {@code ?} {@code /} {@code #} and
     * blanks that the contract names.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,200}");
    private static final Pattern ORG = Pattern.compile("[A-Za-z0-9_]{1,100}");

    public ActionId {
        requireValidOrg(org);
        requireValidName(name);
    }

    public static ActionId parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not an action id (<org>/<name>): " + text);
        }
        return new ActionId(text.substring(0, slash), text.substring(slash + 1));
    }

    /** @throws IllegalArgumentException saying which characters are allowed */
    public static void requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid action name: use 1 to 200 letters,"
                    + " digits, '_', '.' or '-' (no ':', '?', '/', '#' or spaces)");
        }
    }

    /** @throws IllegalArgumentException saying which characters are allowed */
    public static void requireValidOrg(String org) {
        if (org == null || !ORG.matcher(org).matches()) {
            throw new IllegalArgumentException("'" + org + "' is not a valid org name: use 1 to 100 letters,"
                    + " digits or '_'");
        }
    }

    @Override
    public String toString() {
        return org + "/" + name;
    }
}
