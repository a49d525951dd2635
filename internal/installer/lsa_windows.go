//go:build windows

package installer

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// x/sys has no LSA policy calls, so these are made on advapi32 directly.

type lsaUnicodeString struct {
	Length        uint16 // bytes, without the terminating NUL
	MaximumLength uint16
	Buffer        *uint16
}

type lsaObjectAttributes struct {
	Length                   uint32
	RootDirectory            windows.Handle
	ObjectName               *lsaUnicodeString
	Attributes               uint32
	SecurityDescriptor       uintptr
	SecurityQualityOfService uintptr
}

const (
	policyCreateAccount = 0x00000010
	policyLookupNames   = 0x00000800
)

func newLsaString(s string) lsaUnicodeString {
	u := windows.StringToUTF16(s)
	n := uint16((len(u) - 1) * 2)
	return lsaUnicodeString{Length: n, MaximumLength: n + 2, Buffer: &u[0]}
}

// GrantServiceLogon adds SeServiceLogonRight to account (LsaAddAccountRights
// is idempotent).
func (winSystem) GrantServiceLogon(account string) error {
	lookup := account
	if strings.HasPrefix(lookup, `.\`) {
		// ".\user" is the local machine, which LookupAccountName spells by name.
		host, err := windows.ComputerName()
		if err != nil {
			return fmt.Errorf("grant logon right: computer name: %w", err)
		}
		lookup = host + lookup[1:]
	}
	sid, _, _, err := windows.LookupSID("", lookup)
	if err != nil {
		return mapErr(fmt.Sprintf("grant logon right: look up account %s", account), err)
	}
	advapi := windows.NewLazySystemDLL("advapi32.dll")
	openPolicy := advapi.NewProc("LsaOpenPolicy")
	addRights := advapi.NewProc("LsaAddAccountRights")
	lsaClose := advapi.NewProc("LsaClose")
	toWin := advapi.NewProc("LsaNtStatusToWinError")
	ntErr := func(status uintptr) error {
		code, _, _ := toWin.Call(status)
		return windows.Errno(code)
	}

	attrs := lsaObjectAttributes{Length: uint32(unsafe.Sizeof(lsaObjectAttributes{}))}
	var policy windows.Handle
	st, _, _ := openPolicy.Call(0, uintptr(unsafe.Pointer(&attrs)), policyCreateAccount|policyLookupNames, uintptr(unsafe.Pointer(&policy)))
	if st != 0 {
		return mapErr("grant logon right: open LSA policy", ntErr(st))
	}
	defer lsaClose.Call(uintptr(policy))
	right := newLsaString("SeServiceLogonRight")
	st, _, _ = addRights.Call(uintptr(policy), uintptr(unsafe.Pointer(sid)), uintptr(unsafe.Pointer(&right)), 1)
	if st != 0 {
		return mapErr(fmt.Sprintf("grant %s the right to log on as a service", account), ntErr(st))
	}
	return nil
}
