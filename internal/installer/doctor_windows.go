//go:build windows

package installer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// NewInspector returns the Windows Inspector.
func NewInspector() (Inspector, error) { return winInspector{}, nil }

type winInspector struct{}

var (
	modadvapi32                   = windows.NewLazySystemDLL("advapi32.dll")
	procOpenEventLogW             = modadvapi32.NewProc("OpenEventLogW")
	procReadEventLogW             = modadvapi32.NewProc("ReadEventLogW")
	procCloseEventLog             = modadvapi32.NewProc("CloseEventLog")
	procGetEffectiveRightsFromACL = modadvapi32.NewProc("GetEffectiveRightsFromAclW")
)

// ReadEventLog flags (winbase.h).
const (
	eventlogSequentialRead = 0x0001
	eventlogBackwardsRead  = 0x0008
	// eventsScanned bounds how far back doctor looks for its source.
	eventsScanned = 5000
)

// eventLogRecord is the fixed part of EVENTLOGRECORD; the source name
// follows it, the strings start at StringOffset.
// https://learn.microsoft.com/windows/win32/api/winnt/ns-winnt-eventlogrecord
type eventLogRecord struct {
	Length              uint32
	Reserved            uint32
	RecordNumber        uint32
	TimeGenerated       uint32
	TimeWritten         uint32
	EventID             uint32
	EventType           uint16
	NumStrings          uint16
	EventCategory       uint16
	ReservedFlags       uint16
	ClosingRecordNumber uint32
	StringOffset        uint32
	UserSidLength       uint32
	UserSidOffset       uint32
	DataLength          uint32
	DataOffset          uint32
}

// Events reads the Application log backwards with OpenEventLogW and
// ReadEventLogW and keeps the records of source. Messages are the
// records' insertion strings, which is the whole message for sources
// registered with EventCreate.exe as message file (as svcship does).
// https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-openeventlogw
// https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-readeventlogw
func (winInspector) Events(source string, max int) ([]Event, error) {
	h, _, e := procOpenEventLogW.Call(0, uintptr(unsafe.Pointer(utf16("Application"))))
	if h == 0 {
		return nil, mapErr("open the Application log", e)
	}
	defer procCloseEventLog.Call(h)
	var out []Event
	buf := make([]byte, 64<<10)
	scanned := 0
	for len(out) < max && scanned < eventsScanned {
		var read, needed uint32
		r, _, e := procReadEventLogW.Call(h, eventlogSequentialRead|eventlogBackwardsRead, 0,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), uintptr(unsafe.Pointer(&read)), uintptr(unsafe.Pointer(&needed)))
		if r == 0 {
			switch {
			case errors.Is(e, windows.ERROR_HANDLE_EOF):
				return out, nil
			case errors.Is(e, windows.ERROR_INSUFFICIENT_BUFFER) && needed > uint32(len(buf)) && needed <= 0x7ffff:
				buf = make([]byte, needed)
				continue
			}
			return out, mapErr("read the Application log", e)
		}
		for off := uint32(0); off+uint32(unsafe.Sizeof(eventLogRecord{})) <= read && len(out) < max; {
			rec := (*eventLogRecord)(unsafe.Pointer(&buf[off]))
			if rec.Length == 0 || off+rec.Length > read {
				break
			}
			scanned++
			raw := buf[off : off+rec.Length]
			src := windows.UTF16PtrToString((*uint16)(unsafe.Pointer(&raw[unsafe.Sizeof(eventLogRecord{})])))
			if strings.EqualFold(src, source) {
				out = append(out, Event{
					Time:    time.Unix(int64(rec.TimeGenerated), 0).UTC(),
					Type:    eventType(rec.EventType),
					ID:      rec.EventID & 0xffff,
					Message: eventStrings(raw, rec),
				})
			}
			off += rec.Length
		}
	}
	return out, nil
}

func eventType(t uint16) string {
	switch t {
	case windows.EVENTLOG_ERROR_TYPE:
		return "error"
	case windows.EVENTLOG_WARNING_TYPE:
		return "warning"
	case windows.EVENTLOG_AUDIT_FAILURE:
		return "audit-failure"
	case windows.EVENTLOG_AUDIT_SUCCESS:
		return "audit-success"
	}
	return "information"
}

// eventStrings joins a record's NUL-terminated insertion strings.
func eventStrings(raw []byte, rec *eventLogRecord) string {
	var parts []string
	off := rec.StringOffset
	for i := 0; i < int(rec.NumStrings) && off+2 <= uint32(len(raw)); i++ {
		n := uint32(0)
		for off+n+1 < uint32(len(raw)) && (raw[off+n] != 0 || raw[off+n+1] != 0) {
			n += 2
		}
		u := unsafe.Slice((*uint16)(unsafe.Pointer(&raw[off])), n/2)
		parts = append(parts, windows.UTF16ToString(u))
		off += n + 2
	}
	return strings.Join(parts, " ")
}

// Signature asks WinVerifyTrust (WINTRUST_ACTION_GENERIC_VERIFY_V2, no UI,
// no revocation check so that an offline server gives an answer).
// https://learn.microsoft.com/windows/win32/api/wintrust/nf-wintrust-winverifytrust
func (winInspector) Signature(path string) (Signature, error) {
	data := &windows.WinTrustData{
		Size:             uint32(unsafe.Sizeof(windows.WinTrustData{})),
		UIChoice:         windows.WTD_UI_NONE,
		RevocationChecks: windows.WTD_REVOKE_NONE,
		UnionChoice:      windows.WTD_CHOICE_FILE,
		StateAction:      windows.WTD_STATEACTION_VERIFY,
		FileOrCatalogOrBlobOrSgnrOrCert: unsafe.Pointer(&windows.WinTrustFileInfo{
			Size:     uint32(unsafe.Sizeof(windows.WinTrustFileInfo{})),
			FilePath: utf16(path),
		}),
	}
	err := windows.WinVerifyTrustEx(windows.InvalidHWND, &windows.WINTRUST_ACTION_GENERIC_VERIFY_V2, data)
	data.StateAction = windows.WTD_STATEACTION_CLOSE
	windows.WinVerifyTrustEx(windows.InvalidHWND, &windows.WINTRUST_ACTION_GENERIC_VERIFY_V2, data)
	if err == nil {
		return Signature{State: SigValid}, nil
	}
	var en windows.Errno
	if !errors.As(err, &en) {
		return Signature{}, fmt.Errorf("verify %s: %w", path, err)
	}
	detail := fmt.Sprintf("%v (0x%08X)", err, uint32(en))
	switch uint32(en) {
	case uint32(windows.TRUST_E_NOSIGNATURE), uint32(windows.TRUST_E_SUBJECT_FORM_UNKNOWN), uint32(windows.TRUST_E_PROVIDER_UNKNOWN):
		return Signature{State: SigUnsigned, Detail: detail}, nil
	case uint32(windows.TRUST_E_BAD_DIGEST):
		// The file's hash no longer matches the signed one.
		return Signature{State: SigInvalid, Detail: detail}, nil
	case uint32(windows.ERROR_ACCESS_DENIED):
		return Signature{}, fmt.Errorf("verify %s: %w", path, ErrAccessDenied)
	}
	// Untrusted root, expired or revoked certificate, explicit distrust,
	// a local policy that forbids the check.
	return Signature{State: SigUntrusted, Detail: detail}, nil
}

// accountSID resolves an account as the service manager stores it: the
// built-in ones by well-known SID (CreateWellKnownSid), others by name
// (LookupAccountNameW, which also knows NT SERVICE\<name>).
// https://learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-createwellknownsid
// https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-lookupaccountnamew
func accountSID(account string) (*windows.SID, error) {
	switch strings.ToLower(account) {
	case "", "localsystem", `nt authority\system`, `.\localsystem`:
		return windows.CreateWellKnownSid(windows.WinLocalSystemSid)
	case `nt authority\localservice`:
		return windows.CreateWellKnownSid(windows.WinLocalServiceSid)
	case `nt authority\networkservice`:
		return windows.CreateWellKnownSid(windows.WinNetworkServiceSid)
	}
	sid, _, _, err := windows.LookupSID("", account)
	if err != nil {
		return nil, fmt.Errorf("look up account %s: %w", account, err)
	}
	return sid, nil
}

// CanWrite reads dir's DACL (GetNamedSecurityInfo) and the account's
// effective rights in it (GetEffectiveRightsFromAclW), and wants
// FILE_ADD_FILE. LocalSystem and Administrators-held privileges are not
// part of a DACL, which is why svcship grants them explicitly.
// https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getnamedsecurityinfow
// https://learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-geteffectiverightsfromaclw
func (winInspector) CanWrite(dir, account string) (bool, error) {
	if ok, err := osExists(dir); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("%s: %w", dir, fs.ErrNotExist)
		}
		return false, err
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return false, mapErr("read the permissions of "+dir, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return false, mapErr("read the permissions of "+dir, err)
	}
	if dacl == nil {
		return true, nil // a NULL DACL grants everyone everything
	}
	sid, err := accountSID(account)
	if err != nil {
		return false, err
	}
	var t windows.TRUSTEE
	t.TrusteeForm = windows.TRUSTEE_IS_SID
	t.TrusteeType = windows.TRUSTEE_IS_UNKNOWN
	t.TrusteeValue = windows.TrusteeValueFromSID(sid)
	var mask uint32
	r, _, _ := procGetEffectiveRightsFromACL.Call(uintptr(unsafe.Pointer(dacl)), uintptr(unsafe.Pointer(&t)), uintptr(unsafe.Pointer(&mask)))
	if r != 0 {
		en := windows.Errno(r)
		if en == windows.ERROR_INVALID_FUNCTION || en == windows.ERROR_CALL_NOT_IMPLEMENTED {
			// wine 8 implements GetEffectiveRightsFromAcl as a stub.
			return false, fmt.Errorf("effective rights of %s on %s: %w (%w)", account, dir, ErrUnsupported, en)
		}
		return false, mapErr("effective rights of "+account+" on "+dir, en)
	}
	const fileAddFile = 0x0002 // FILE_ADD_FILE
	return mask&fileAddFile != 0, nil
}

func (winInspector) Exists(path string) (bool, error)                 { return osExists(path) }
func (winInspector) ReadDir(dir string) ([]string, error)             { return osReadDir(dir) }
func (winInspector) Tail(path string, max int64) ([]byte, error)      { return osTail(path, max) }
func (winInspector) Get(ctx context.Context, url string) (int, error) { return probeGet(ctx, url) }
