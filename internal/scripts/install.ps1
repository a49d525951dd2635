<#
.SYNOPSIS
    Installs the service shipped in this folder.
.DESCRIPTION
    A thin wrapper around svcship-installer.exe, which reads the svcship.yaml
    beside it and creates (or updates) the Windows service for the program in
    this folder, where it stays: unpack the zip where the service should
    live, in a folder only administrators can change and the service's
    account can read, such as one under Program Files. The installer refuses
    a folder that other users can write to (anyone who could replace the
    program would run code as the service); --secure-install-dir resets its
    permissions instead. Run it from an elevated PowerShell. Arguments after
    the script name are passed to the installer unchanged.
.EXAMPLE
    PS> .\scripts\install.ps1
#>
[CmdletBinding()]
param(
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $InstallerArgs = @()
)
$ErrorActionPreference = 'Stop'

# The script lives in <folder>\scripts; the installer in <folder>.
$root = Split-Path -Parent $PSScriptRoot
$installer = Join-Path $root 'svcship-installer.exe'
if (-not (Test-Path -LiteralPath $installer)) {
    throw "svcship-installer.exe not found in $root"
}

$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
$principal = New-Object Security.Principal.WindowsPrincipal($identity)
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'Installing a service needs administrator rights: run PowerShell as administrator.'
}

& $installer install @InstallerArgs
exit $LASTEXITCODE
