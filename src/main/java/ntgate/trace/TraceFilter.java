package ntgate.trace;

import ntgate.nt.ke.Services;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code --trace-filter}: which calls and instructions a trace keeps. Terms are separated by commas:
 * <ul>
 *   <li>a service name, {@code *} as a wildcard ({@code NtWriteFile}, {@code ZwClose}, {@code NtQuery*}): only
 *       those calls, and only the gate and instructions executed inside them;</li>
 *   <li>a module ({@code nt}, {@code ntdll}, the program's name, or a file name such as {@code ntdll.dll}):
 *       only instructions inside it;</li>
 *   <li>an address range {@code LO-HI} in hex ({@code 401000-401fff}, {@code 0x7c900000-0x7c9fffff},
 *       inclusive): only instructions whose address is in it.</li>
 * </ul>
 * Instructions pass when they match any module or range term (or there is none) and, when service terms are
 * given, run inside a matching call.
 */
public final class TraceFilter {
    /** Keeps everything. */
    public static final TraceFilter ALL = new TraceFilter(List.of(), List.of(), List.of());

    private final List<Pattern> services;
    private final List<long[]> ranges;
    private final List<String> describe;

    private TraceFilter(List<Pattern> services, List<long[]> ranges, List<String> describe) {
        this.services = services;
        this.ranges = ranges;
        this.describe = describe;
    }

    /** A filter spec could not be understood: the message is one line for the user. */
    public static final class BadFilter extends Exception {
        public BadFilter(String message) {
            super(message, null, false, false);
        }
    }

    private static final Pattern RANGE = Pattern.compile("(?i)(?:0x)?([0-9a-f]{1,8})\\s*-\\s*(?:0x)?([0-9a-f]{1,8})");

    /** Parses the terms of every {@code --trace-filter} given; modules are looked up in {@code modules}. */
    public static TraceFilter parse(List<String> specs, ModuleMap modules) throws BadFilter {
        List<Pattern> sv = new ArrayList<>();
        List<long[]> rg = new ArrayList<>();
        List<String> d = new ArrayList<>();
        for (String spec : specs) {
            for (String raw : spec.split(",")) {
                String t = raw.strip();
                if (t.isEmpty()) continue;
                d.add(t);
                java.util.regex.Matcher m = RANGE.matcher(t);
                if (m.matches()) {
                    long lo = Long.parseLong(m.group(1), 16), hi = Long.parseLong(m.group(2), 16);
                    if (hi < lo) throw new BadFilter("address range " + t + " ends before it starts");
                    rg.add(new long[] {lo, hi + 1});
                    continue;
                }
                ModuleMap.Module mod = modules == null ? null : modules.named(t);
                if (mod != null) {
                    rg.add(new long[] {Integer.toUnsignedLong(mod.base()), mod.end()});
                    continue;
                }
                if (!t.matches("[A-Za-z0-9_*]+")) throw new BadFilter("'" + t + "' is not a service, module or address range");
                String name = t.regionMatches(true, 0, "Zw", 0, 2) ? "Nt" + t.substring(2) : t;
                Pattern p = Pattern.compile("(?i)" + Pattern.quote(name).replace("*", "\\E.*\\Q"));
                boolean any = Services.all().stream().anyMatch(s -> p.matcher(s.name()).matches());
                if (!any) throw new BadFilter("'" + t + "' is not a service, module or address range");
                sv.add(p);
            }
        }
        return new TraceFilter(List.copyOf(sv), List.copyOf(rg), List.copyOf(d));
    }

    /** True when calls are restricted to some services. */
    public boolean hasServices() {
        return !services.isEmpty();
    }

    /** True when this call passes (a number the service list does not declare passes only without service terms). */
    public boolean call(int number) {
        if (services.isEmpty()) return true;
        Services.Service s = Services.byNumber(number);
        if (s == null) return false;
        for (Pattern p : services) if (p.matcher(s.name()).matches()) return true;
        return false;
    }

    /** True when an instruction at this address passes the module and range terms. */
    public boolean address(int linear) {
        if (ranges.isEmpty()) return true;
        long a = Integer.toUnsignedLong(linear);
        for (long[] r : ranges) if (a >= r[0] && a < r[1]) return true;
        return false;
    }

    @Override
    public String toString() {
        return describe.isEmpty() ? "all" : String.join(",", describe);
    }
}
