package dev.repdb.ee;

import jakarta.annotation.Priority;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every request under {@code /repdb} passes here before a resource method runs:
 * <ol>
 * <li>with {@code repdb.admin.enabled=false} (the default for an application that embeds repdb) every path answers
 *     404, so the application gets no endpoints it did not ask for;</li>
 * <li>reads (GET, HEAD) need role {@value AdminResource#READER} or {@value AdminResource#ROLE}, everything else
 *     {@value AdminResource#ROLE}: 401 without an authenticated user, 403 without the role. The server's security
 *     constraint (the thin site WAR's web.xml) asks for the credentials; this check holds even where an application
 *     enabled the resources but forgot the constraint;</li>
 * <li>state-changing methods are refused (403) unless they carry the header {@value #CSRF_HEADER} (a browser adds no
 *     custom header to a cross-site form post or to a cross-site request without a CORS preflight, which repdb never
 *     answers) and, when the request has an {@code Origin}, it names this server's host and port.</li>
 * </ol>
 */
@ApplicationScoped
@Priority(Priorities.AUTHORIZATION)
public class AdminGate implements ContainerRequestFilter {
    /** The header state-changing requests must carry (any non-empty value). */
    public static final String CSRF_HEADER = "X-Repdb-Request";
    private static final Set<String> READS = Set.of("GET", "HEAD");

    @EJB
    private RepdbSite site;

    @Override
    public void filter(ContainerRequestContext request) {
        if (!site.runtime().config().adminEnabled()) {
            request.abortWith(refuse(Response.Status.NOT_FOUND, "not found"));
            return;
        }
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        boolean read = READS.contains(method);
        SecurityContext security = request.getSecurityContext();
        if (security == null || security.getUserPrincipal() == null) {
            request.abortWith(Response.fromResponse(refuse(Response.Status.UNAUTHORIZED, "authentication required"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"repdb\"").build());
            return;
        }
        boolean allowed = security.isUserInRole(AdminResource.ROLE)
                || (read && security.isUserInRole(AdminResource.READER));
        if (!allowed) {
            request.abortWith(refuse(Response.Status.FORBIDDEN, "needs role " + AdminResource.ROLE
                    + (read ? " or " + AdminResource.READER : "")));
            return;
        }
        if (!read) {
            String reason = crossSiteReason(request);
            if (reason != null) {
                request.abortWith(refuse(Response.Status.FORBIDDEN, reason));
            }
        }
    }

    /** Why a state-changing request looks cross-site, or null when it does not. */
    static String crossSiteReason(ContainerRequestContext request) {
        String marker = request.getHeaderString(CSRF_HEADER);
        if (marker == null || marker.isBlank()) {
            return "state-changing requests need the header " + CSRF_HEADER + " (cross-site request protection)";
        }
        String origin = request.getHeaderString("Origin");
        if (origin != null && !sameAuthority(origin, request.getHeaderString(HttpHeaders.HOST),
                request.getUriInfo().getRequestUri())) {
            return "the request's Origin is another site";
        }
        return null;
    }

    /** Whether {@code origin} names the host (and port) the request was sent to. */
    static boolean sameAuthority(String origin, String hostHeader, URI requestUri) {
        URI o;
        try {
            o = URI.create(origin.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (o.getHost() == null) {
            return false; // "null" (sandboxed or file pages) and anything without a host
        }
        String host = hostHeader != null && !hostHeader.isBlank() ? hostHeader.trim() : requestUri.getRawAuthority();
        return authority(o.getScheme(), o.getHost(), o.getPort()).equalsIgnoreCase(normalize(host, o.getScheme()));
    }

    private static String authority(String scheme, String host, int port) {
        int p = port >= 0 ? port : "https".equalsIgnoreCase(scheme) ? 443 : 80;
        return host + ":" + p;
    }

    private static String normalize(String hostAndPort, String scheme) {
        int colon = hostAndPort.lastIndexOf(':');
        boolean hasPort = colon > 0 && hostAndPort.indexOf(']', colon) < 0;
        return hasPort ? hostAndPort : authority(scheme, hostAndPort, -1);
    }

    private static Response refuse(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
