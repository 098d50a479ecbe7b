package ntgate.nt;

/** Host routines of the services in this NT component (see Kernel for the calling conventions). */
final class PsServices {
    private PsServices() {}

    static void register(Kernel k, HostCallTable t) {
    }
}
