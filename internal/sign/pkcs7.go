package sign

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// The parts of a PKCS#7 SignedData (RFC 2315 section 9.1) that name the
// signer and carry the certificates; the rest is left unparsed.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	ContentInfo      asn1.RawValue
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

type signerInfo struct {
	Version int
	SID     struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
}

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// signerCert returns the certificate of the (first) signer of a DER
// PKCS#7 SignedData, as osslsigncode extract-signature writes it.
func signerCert(der []byte) (*x509.Certificate, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("pkcs7: %w", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("pkcs7: content type %v is not signedData", ci.ContentType)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("pkcs7: signedData: %w", err)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, errors.New("pkcs7: no signer")
	}
	var si signerInfo
	if _, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil {
		return nil, fmt.Errorf("pkcs7: signerInfo: %w", err)
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pkcs7: certificates: %w", err)
	}
	for _, c := range certs {
		if si.SID.Serial != nil && c.SerialNumber.Cmp(si.SID.Serial) == 0 && bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) {
			return c, nil
		}
	}
	return nil, errors.New("pkcs7: the signer's certificate is not in the signature")
}
