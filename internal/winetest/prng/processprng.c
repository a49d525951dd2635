/*
 * bcryptprimitives.dll stand-in for wine 8.0.
 *
 * Go 1.21 and later fetch random bytes through
 * bcryptprimitives.dll!ProcessPrng, which wine 8.0 does not provide, so Go
 * programs die at start-up under wine. This DLL exports ProcessPrng and
 * fills the buffer from advapi32!SystemFunction036 (RtlGenRandom), which wine
 * has implemented for a long time. It is only ever used in test prefixes.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG length; feed it in chunks so that huge
     * requests on 64-bit do not get truncated. */
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst; (void)reason; (void)reserved;
    return TRUE;
}
