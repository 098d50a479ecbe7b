package ntgate.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven through the DevTools protocol over a WebSocket (the JDK's java.net.http), for the
 * report's browser test: navigate, evaluate, press keys, collect console errors, take a screenshot. Chromium
 * listens on a loopback port it picks itself; the profile is a fresh temporary directory.
 */
final class Chromium implements AutoCloseable {
    static final String BINARY = "/usr/bin/chromium";
    private final Process process;
    private final Path profile;
    private final WebSocket ws;
    private int nextId = 1;
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    /** Console errors, uncaught exceptions and error log entries, as text. */
    final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

    /** Whether the browser is installed here. */
    static boolean available() {
        return Files.isExecutable(Path.of(BINARY));
    }

    Chromium() throws IOException, InterruptedException {
        profile = Files.createTempDirectory("ntgate-chromium");
        ProcessBuilder pb = new ProcessBuilder(BINARY, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        process = pb.start();
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        Pattern p = Pattern.compile("DevTools listening on (ws://[^\\s]+)");
        String browserWs = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String line;
        while (System.nanoTime() < deadline && (line = err.readLine()) != null) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                browserWs = m.group(1);
                break;
            }
        }
        if (browserWs == null) {
            process.destroyForcibly();
            throw new IOException("chromium did not print its DevTools address");
        }
        Thread drain = new Thread(() -> {
            try {
                while (err.readLine() != null) {
                    // keep the pipe from filling
                }
            } catch (IOException ignored) {
                // the browser exited
            }
        });
        drain.setDaemon(true);
        drain.start();
        URI b = URI.create(browserWs);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String list = http.send(HttpRequest.newBuilder(URI.create("http://" + b.getHost() + ":" + b.getPort() + "/json/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String pageWs = null;
        Object parsed = Json.parse(list);
        for (Object o : (List<?>) parsed) {
            Map<?, ?> t = (Map<?, ?>) o;
            if ("page".equals(t.get("type"))) {
                pageWs = (String) t.get("webSocketDebuggerUrl");
                break;
            }
        }
        if (pageWs == null) throw new IOException("chromium has no page target: " + list);
        ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(pageWs), new Listener()).join();
        call("Runtime.enable", "{}");
        call("Log.enable", "{}");
        call("Page.enable", "{}");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder buf = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            buf.append(data);
            if (last) {
                String msg = buf.toString();
                buf.setLength(0);
                handle(msg);
            }
            w.request(1);
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private void handle(String msg) {
        Map<String, Object> m = (Map<String, Object>) Json.parse(msg);
        Object id = m.get("id");
        if (id != null) {
            CompletableFuture<Map<String, Object>> f = pending.remove(((Number) id).intValue());
            if (f != null) f.complete(m);
            return;
        }
        String method = (String) m.get("method");
        Map<String, Object> params = (Map<String, Object>) m.get("params");
        if ("Page.loadEventFired".equals(method)) loaded.complete(null);
        else if ("Runtime.exceptionThrown".equals(method)) {
            Map<String, Object> d = (Map<String, Object>) params.get("exceptionDetails");
            Object ex = d.get("exception");
            errors.add("exception: " + (ex instanceof Map<?, ?> e ? e.get("description") : d.get("text")));
        }
        else if ("Runtime.consoleAPICalled".equals(method) && ("error".equals(params.get("type")) || "assert".equals(params.get("type")))) {
            errors.add("console." + params.get("type") + ": " + params.get("args"));
        } else if ("Log.entryAdded".equals(method)) {
            Map<String, Object> e = (Map<String, Object>) params.get("entry");
            if ("error".equals(e.get("level"))) errors.add("log: " + e.get("text") + " " + e.getOrDefault("url", ""));
        }
    }

    /** Sends one command and waits for its result (the "result" object); fails on a protocol error. */
    @SuppressWarnings("unchecked")
    synchronized Map<String, Object> call(String method, String paramsJson) {
        int id = nextId++;
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        pending.put(id, f);
        ws.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}", true).join();
        Map<String, Object> r;
        try {
            r = f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + ": no answer", e);
        }
        if (r.get("error") != null) throw new IllegalStateException(method + ": " + r.get("error"));
        return (Map<String, Object>) r.get("result");
    }

    /** Opens {@code url} and waits for its load event. */
    void navigate(String url) throws Exception {
        loaded = new CompletableFuture<>();
        call("Page.navigate", "{\"url\":" + quote(url) + "}");
        loaded.get(30, TimeUnit.SECONDS);
    }

    /** Evaluates a JavaScript expression in the page; returns its value (string, number, boolean, or null). */
    @SuppressWarnings("unchecked")
    Object eval(String expression) {
        Map<String, Object> r = call("Runtime.evaluate", "{\"expression\":" + quote(expression) + ",\"returnByValue\":true}");
        if (r.get("exceptionDetails") != null) throw new IllegalStateException("page script failed: " + r.get("exceptionDetails"));
        Map<String, Object> v = (Map<String, Object>) r.get("result");
        return v.get("value");
    }

    /** Presses and releases a key the way a user's keyboard does ({@code ArrowRight}, {@code ArrowLeft}, ...). */
    void press(String key, int keyCode) {
        for (String type : new String[] {"rawKeyDown", "keyUp"}) {
            call("Input.dispatchKeyEvent", "{\"type\":\"" + type + "\",\"key\":\"" + key + "\",\"code\":\"" + key
                    + "\",\"windowsVirtualKeyCode\":" + keyCode + "}");
        }
    }

    void viewport(int width, int height) {
        call("Emulation.setDeviceMetricsOverride", "{\"width\":" + width + ",\"height\":" + height + ",\"deviceScaleFactor\":1,\"mobile\":false}");
    }

    /** A PNG of the viewport. */
    byte[] screenshot() {
        Map<String, Object> r = call("Page.captureScreenshot", "{\"format\":\"png\"}");
        return java.util.Base64.getDecoder().decode((String) r.get("data"));
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    @Override
    public void close() throws IOException {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        // The browser and the processes it started (zygote, renderer, ...), then its profile.
        java.util.List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
        process.destroy();
        all.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            for (ProcessHandle h : all) {
                try {
                    h.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var walk = Files.walk(profile)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // a file that vanished while walking: what is left is in the system's temporary directory
        }
    }
}
