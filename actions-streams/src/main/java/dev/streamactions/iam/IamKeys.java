package dev.streamactions.iam;

/** The keys of {@code actions.iam}; '/' cannot occur in org or role names, and emails follow their org. */
final class IamKeys {
    static final String USER = "user/";
    static final String SERVICE_ACCOUNT = "sa/";
    static final String ROLE = "role/";
    static final String RUN_TOKEN = "runtoken/";

    private IamKeys() {
    }

    static String user(String email) {
        return USER + email;
    }

    static String serviceAccount(String org, String email) {
        return SERVICE_ACCOUNT + org + "/" + email;
    }

    static String role(String org, String name) {
        return ROLE + org + "/" + name;
    }

    static String runToken(String id) {
        return RUN_TOKEN + id;
    }
}
