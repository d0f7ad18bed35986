// Lists a tar as Go's archive/tar reads it: one line per entry, or ERR.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Printf("ERR %v\n", err)
			return
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		sum := sha256.New()
		if _, err := io.Copy(sum, tr); err != nil {
			fmt.Printf("ERR %v\n", err)
			return
		}
		size := h.Size
		switch h.Typeflag {
		case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
			size = 0
		}
		fmt.Printf("%s %d %d %s sha256:%s\n", hex.EncodeToString([]byte(h.Name)), h.Typeflag, size, hex.EncodeToString([]byte(h.Linkname)), hex.EncodeToString(sum.Sum(nil)))
	}
}
