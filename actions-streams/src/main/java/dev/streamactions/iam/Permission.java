package dev.streamactions.iam;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** One line of a role: the HTTP methods it allows on a resource. */
public record Permission(String resource, Set<String> methods) {

    /** The methods a permission may name: those of the API. */
    public static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE");

    public Permission {
        if (resource == null || Resource.of(resource).isEmpty()) {
            throw new IllegalArgumentException("unknown resource '" + resource + "'; use one of " + Resource.ids());
        }
        if (methods == null || methods.isEmpty()) {
            throw new IllegalArgumentException("the permission on " + resource + " names no methods; use some of "
                    + new TreeSet<>(METHODS));
        }
        TreeSet<String> upper = new TreeSet<>();
        for (String method : methods) {
            String m = method == null ? "null" : method.toUpperCase(Locale.ROOT);
            if (!METHODS.contains(m)) {
                throw new IllegalArgumentException("unknown method '" + method + "' on " + resource + "; use some of "
                        + new TreeSet<>(METHODS));
            }
            upper.add(m);
        }
        methods = Set.copyOf(upper);
    }

    public boolean allows(Resource r, String method) {
        return resource.equals(r.id()) && methods.contains(method);
    }
}
