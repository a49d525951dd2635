//go:build windows

package installer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The folder and file calls below never follow a reparse point: every
// handle is opened with FILE_FLAG_OPEN_REPARSE_POINT (and
// FILE_FLAG_BACKUP_SEMANTICS, which folders need), so a junction or link
// is inspected, secured or removed itself, never its target
// (learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew).

func openNoFollow(path string, access uint32) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, err
	}
	return windows.CreateFile(p, access,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
}

func notExist(err error) bool {
	return errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND)
}

// Inspect reads attributes with GetFileInformationByHandle and the owner
// and DACL with GetSecurityInfo on the same handle
// (learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getsecurityinfo).
func (winSystem) Inspect(path string) (PathInfo, error) {
	h, err := openNoFollow(path, windows.READ_CONTROL|windows.FILE_READ_ATTRIBUTES)
	if notExist(err) {
		return PathInfo{}, nil
	}
	locked := false
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		// A DACL that shuts administrators out: the attributes may still
		// be readable (the parent's list right grants them).
		locked = true
		h, err = openNoFollow(path, windows.FILE_READ_ATTRIBUTES)
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return PathInfo{Exists: true, Locked: true}, nil
		}
	}
	if err != nil {
		return PathInfo{}, mapErr("open "+path, err)
	}
	defer windows.CloseHandle(h)
	var fi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return PathInfo{}, mapErr("read attributes of "+path, err)
	}
	if locked {
		return PathInfo{
			Exists:  true,
			Dir:     fi.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0,
			Reparse: fi.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0,
			Links:   fi.NumberOfLinks,
			Locked:  true,
		}, nil
	}
	sd, err := windows.GetSecurityInfo(h, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return PathInfo{}, mapErr("read permissions of "+path, err)
	}
	return PathInfo{
		Exists:  true,
		Dir:     fi.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0,
		Reparse: fi.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0,
		Links:   fi.NumberOfLinks,
		SDDL:    sd.String(),
	}, nil
}

// CreateDir creates the folder with its security descriptor in the same
// call (CreateDirectory with SECURITY_ATTRIBUTES,
// learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createdirectoryw),
// so it never exists with inherited permissions, not even for a moment.
// The SDDL is converted by ConvertStringSecurityDescriptorToSecurityDescriptor.
func (winSystem) CreateDir(path, sddl string) error {
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("create %s: security descriptor %s: %w", path, sddl, err)
	}
	sa := windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	err = windows.CreateDirectory(p, &sa)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return fmt.Errorf("create %s: %w", path, fs.ErrExist)
	}
	return mapErr("create "+path, err)
}

// SetSecurity sets the DACL as protected (inheritance off) and, when the
// SDDL names one, the owner, through SetSecurityInfo on a handle that was
// checked not to be a reparse point
// (learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-setsecurityinfo).
// Taking over a folder someone else owns needs SeTakeOwnershipPrivilege,
// which is enabled only then.
func (winSystem) SetSecurity(path, sddl string) error {
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("set permissions of %s: security descriptor %s: %w", path, sddl, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("set permissions of %s: %w", path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("set permissions of %s: %w", path, err)
	}
	if owner != nil {
		if err := setOwner(path, owner); err != nil {
			return err
		}
	}
	h, err := openNoFollow(path, windows.READ_CONTROL|windows.WRITE_DAC|windows.FILE_READ_ATTRIBUTES)
	if err != nil {
		return mapErr("open "+path, err)
	}
	defer windows.CloseHandle(h)
	if err := refuseReparse(h, path); err != nil {
		return err
	}
	return mapErr("set permissions of "+path, windows.SetSecurityInfo(h, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil))
}

func setOwner(path string, owner *windows.SID) error {
	h, err := openNoFollow(path, windows.READ_CONTROL|windows.WRITE_OWNER|windows.FILE_READ_ATTRIBUTES)
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		// A folder that shuts administrators out: SeTakeOwnershipPrivilege
		// grants WRITE_OWNER, SeBackupPrivilege (with
		// FILE_FLAG_BACKUP_SEMANTICS) the reads that check it is no link
		// (CreateFile, FILE_FLAG_BACKUP_SEMANTICS:
		// learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew).
		for _, priv := range []string{"SeTakeOwnershipPrivilege", "SeBackupPrivilege"} {
			if perr := enablePrivilege(priv); perr != nil {
				return fmt.Errorf("take ownership of %s: %w", path, perr)
			}
		}
		h, err = openNoFollow(path, windows.READ_CONTROL|windows.WRITE_OWNER|windows.FILE_READ_ATTRIBUTES)
	}
	if err != nil {
		return mapErr("open "+path+" to take ownership", err)
	}
	defer windows.CloseHandle(h)
	if err := refuseReparse(h, path); err != nil {
		return err
	}
	return mapErr("set the owner of "+path, windows.SetSecurityInfo(h, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION, owner, nil, nil, nil))
}

func refuseReparse(h windows.Handle, path string) error {
	var fi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return mapErr("read attributes of "+path, err)
	}
	if fi.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		return fmt.Errorf("%s is a reparse point (junction or link): refused", path)
	}
	return nil
}

// ReadDir lists the names in a folder (FindFirstFile does not follow the
// entries it lists).
func (winSystem) ReadDir(path string) ([]string, error) {
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, nil
}

// RemovePath deletes a file, an empty folder, or a junction or link
// itself: DeleteFile and RemoveDirectory act on the reparse point, not on
// its target.
func (winSystem) RemovePath(path string) error {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	attrs, err := windows.GetFileAttributes(p)
	if notExist(err) {
		return nil
	}
	if err != nil {
		return mapErr("remove "+path, err)
	}
	if attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		err = windows.RemoveDirectory(p)
	} else {
		err = windows.DeleteFile(p)
	}
	if notExist(err) {
		return nil
	}
	return mapErr("remove "+path, err)
}

// AccountSID looks an account up with LookupAccountName.
func (winSystem) AccountSID(account string) (string, error) {
	lookup := account
	if strings.HasPrefix(lookup, `.\`) {
		host, err := windows.ComputerName()
		if err != nil {
			return "", fmt.Errorf("computer name: %w", err)
		}
		lookup = host + lookup[1:]
	}
	sid, _, _, err := windows.LookupSID("", lookup)
	if err != nil {
		return "", mapErr("look up account "+account, err)
	}
	return sid.String(), nil
}

// CurrentUserSID is the user of the installer's own token.
func (winSystem) CurrentUserSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("read the installer's own account: %w", err)
	}
	return u.User.Sid.String(), nil
}

// ProgramData is FOLDERID_ProgramData (SHGetKnownFolderPath), not the
// environment variable, which the caller's environment could change.
func (winSystem) ProgramData() (string, error) {
	p, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
	if err != nil {
		return "", fmt.Errorf("locate ProgramData: %w", err)
	}
	return p, nil
}
