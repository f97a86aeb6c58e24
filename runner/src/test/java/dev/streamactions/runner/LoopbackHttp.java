package dev.streamactions.runner;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A real HTTP server on a loopback port, for scripts to call: it answers one path with a fixed body. */
final class LoopbackHttp implements AutoCloseable {

    private final HttpServer server;

    /** Serves {@code path}; {@code answer} gets each request (its headers and body) and returns the body. */
    LoopbackHttp(String path, Function<Request, String> answer) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(path, exchange -> respond(exchange, answer));
        // A thread per request: a test's answer may wait for another request to arrive.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    private static void respond(HttpExchange exchange, Function<Request, String> answer) throws IOException {
        String requestBody;
        try (InputStream in = exchange.getRequestBody()) {
            requestBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        byte[] body = answer.apply(new Request(exchange.getRequestHeaders().getFirst("Authorization"), requestBody))
                .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** What a script sent. */
    record Request(String authorization, String body) {
    }
}
