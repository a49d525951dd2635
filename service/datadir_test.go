package service

import "testing"

func TestDataDir(t *testing.T) {
	t.Setenv(EnvDataDir, "")
	t.Setenv("ProgramData", `D:\PD`)
	if got := DataDir("hellosvc"); got != `D:\PD\hellosvc\data` {
		t.Errorf("default DataDir = %s", got)
	}
	t.Setenv(EnvDataDir, `E:\state`)
	if got := DataDir("hellosvc"); got != `E:\state` {
		t.Errorf("DataDir with %s set = %s", EnvDataDir, got)
	}
}
