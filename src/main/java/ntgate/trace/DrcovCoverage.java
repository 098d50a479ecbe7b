package ntgate.trace;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.OpcodeTable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --coverage FILE}: the basic blocks the run executed, as a drcov file (DynamoRIO's coverage log, format
 * version 2, as Lighthouse reads it): the header lines {@code DRCOV VERSION: 2} and {@code DRCOV FLAVOR: drcov},
 * the module table ({@code Module Table: version 2, count N}, the Windows column line, one line per module:
 * id, base, end, entry, checksum, timestamp, path), then {@code BB Table: N bbs} and N binary entries of 8 bytes:
 * start as an offset in its module (u32), size in bytes (u16), module id (u16), little-endian.
 *
 * <p>A block is a run of instructions each at the address where the previous ended, closed after a control
 * transfer (a row with the table's branch attribute), a fault or a jump elsewhere; each distinct block is listed
 * once, in the order first executed. Code outside the modules is not listed.
 */
public final class DrcovCoverage implements CpuHooks {
    private final ModuleMap modules;
    /** start (unsigned linear) -> longest size seen. */
    private final Map<Long, Integer> blocks = new LinkedHashMap<>();
    private boolean open;
    private int blockStart, blockEnd;

    public DrcovCoverage(ModuleMap modules) {
        this.modules = modules;
    }

    @Override
    public boolean beforeInsn(Cpu cpu, Insn in) {
        int eip = cpu.st.eip;
        if (open && eip != blockEnd) close();
        if (!open) {
            open = true;
            blockStart = eip;
            blockEnd = eip;
        }
        return true;
    }

    @Override
    public void afterInsn(Cpu cpu, Insn in, int eip) {
        if (!open) return;
        blockEnd = eip + in.len;
        if (in.row == null || (in.row.attrs() & OpcodeTable.BRANCH) != 0) close();
    }

    @Override
    public void onFault(Cpu cpu, CpuFault fault, int eip) {
        if (open) close();
    }

    private void close() {
        open = false;
        int size = blockEnd - blockStart;
        if (size <= 0) return;
        blocks.merge(Integer.toUnsignedLong(blockStart), size, Math::max);
    }

    /** The distinct blocks executed so far (start linear address, size), in first-execution order. */
    public Map<Long, Integer> blocks() {
        if (open) close();
        return java.util.Collections.unmodifiableMap(blocks);
    }

    /** Writes the drcov file. */
    public void write(OutputStream out) throws IOException {
        List<ModuleMap.Module> mods = modules.all();
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        int count = 0;
        for (Map.Entry<Long, Integer> b : blocks().entrySet()) {
            long start = b.getKey();
            int size = b.getValue();
            for (int id = 0; id < mods.size(); id++) {
                ModuleMap.Module m = mods.get(id);
                long base = Integer.toUnsignedLong(m.base());
                if (start < base || start >= m.end()) continue;
                long left = Math.min(size, m.end() - start);
                long s = start;
                while (left > 0) {
                    int piece = (int) Math.min(left, 0xFFFF);
                    long off = s - base;
                    table.write(new byte[] {(byte) off, (byte) (off >>> 8), (byte) (off >>> 16), (byte) (off >>> 24),
                        (byte) piece, (byte) (piece >>> 8), (byte) id, (byte) (id >>> 8)});
                    count++;
                    s += piece;
                    left -= piece;
                }
                break;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("DRCOV VERSION: 2\n");
        sb.append("DRCOV FLAVOR: drcov\n");
        sb.append("Module Table: version 2, count ").append(mods.size()).append('\n');
        sb.append("Columns: id, base, end, entry, checksum, timestamp, path\n");
        for (int id = 0; id < mods.size(); id++) {
            ModuleMap.Module m = mods.get(id);
            sb.append(String.format(Locale.ROOT, "%3d, 0x%08x, 0x%08x, 0x%08x, 0x%08x, 0x%08x, %s\n", id, m.base(), m.end(),
                    m.entry(), 0, 0, m.path()));
        }
        sb.append("BB Table: ").append(count).append(" bbs\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        table.writeTo(out);
        out.flush();
    }
}
