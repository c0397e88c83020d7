/*
 * vectors_annex_c.h — IEEE 802.1AE-2018 Annex C test vectors (data only).
 *
 * Copied from /work/shared/reference/macsec-mka.md section 2.1, which
 * reproduces them from DPDK app/test/test_security_inline_macsec_vectors.h
 * (list_mcs_cipher_vectors, list_mcs_integrity_vectors; BSD-3-Clause,
 * (c) 2023 Marvell). The first entry (gcm_128_64B_cipher) is Marvell's,
 * not from Annex C. Each frame is hex from DA onwards, without FCS.
 * XPN entries: the full PN is pn_hi << 32 | pn_lo.
 */
#ifndef QS_VECTORS_ANNEX_C_H
#define QS_VECTORS_ANNEX_C_H

#include <stdint.h>

#include "secy_const.h"

struct annex_c_vector {
	/* name is DPDK's name of the vector. */
	const char *name;
	/* cs is the cipher suite. */
	uint64_t cs;
	/* key is the SAK in hex. */
	const char *key;
	/* tci_an is the TCI/AN octet of the SecTAG. */
	uint8_t tci_an;
	/* sl is the SL octet. */
	uint8_t sl;
	/* pn_lo / pn_hi are the low and (XPN) high 32 bits of the PN. */
	uint32_t pn_lo;
	uint32_t pn_hi;
	/* sci is the SCI (explicit, or SA MAC | 0x0001 when ES is set). */
	uint64_t sci;
	/* ssci and salt (hex) are the XPN parameters (0 / NULL otherwise). */
	uint32_t ssci;
	const char *salt;
	/* plain is the clear frame, prot the protected frame (hex). */
	const char *plain;
	const char *prot;
};

static const struct annex_c_vector annex_c_vectors[] = {
	{
	    .name = "gcm_128_64B_cipher",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "071b113b0ca743fecccf3d051f737382",
	    .tci_an = 0x2c,
	    .sl = 0x00,
	    .pn_lo = 0x00000002,
	    .sci = 0xfe2fcd14241b882cULL,
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738394041424"
		     "3444546",
	    .prot = "e20106d7cd0df0761e8dcd3d88e52c0000000002fe2fcd14241b882c39"
		    "389744"
		    "a26d713d1427c73e029681ad47822acf197912490f935a324379ef9d70"
		    "f8a9be"
		    "3d005d22da873dc1be1b13d999dbf1c84bc4f8c60978b9bb5dc004f320"
		    "7d1487",
	},
	{
	    .name = "gcm_128_54B_cipher",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "071b113b0ca743fecccf3d051f737382",
	    .tci_an = 0x4c,
	    .sl = 0x2a,
	    .pn_lo = 0x76d457ed,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340004",
	    .prot = "e20106d7cd0df0761e8dcd3d88e54c2a76d457ed13b4c72b389dc5018e"
		    "72a171"
		    "dd85a5d3752274d3a019fbcaed09a425cd9b2e1c9b72eee7c9de7d52b3"
		    "f3d6a5"
		    "284f4a6d3fe22a5d6c2b960494c3",
	},
	{
	    .name = "gcm_256_54B_cipher",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "691d3ee909d7f54167fd1ca0b5d769081f2bde1aee655fdbab80bd5295a"
		   "e6be7",
	    .tci_an = 0x4c,
	    .sl = 0x2a,
	    .pn_lo = 0x76d457ed,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340004",
	    .prot = "e20106d7cd0df0761e8dcd3d88e54c2a76d457edc1623f55730c935330"
		    "97adda"
		    "d25664966125352b43adacbd61c5ef3ac90b5bee929ce4630ea79f6ce5"
		    "1912af"
		    "39c2d1fdc2051f8b7b3c9d397ef2",
	},
	{
	    .name = "gcm_128_xpn_54B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "071b113b0ca743fecccf3d051f737382",
	    .tci_an = 0x4c,
	    .sl = 0x2a,
	    .pn_lo = 0x76d457ed,
	    .pn_hi = 0xb0df459c,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340004",
	    .prot = "e20106d7cd0df0761e8dcd3d88e54c2a76d457ed9ca46984430203ed41"
		    "6ebdc2"
		    "fe2622ba3e5eab6961c36383009e187e9b0c88564653b9abd216441c6a"
		    "b6f0a2"
		    "32e9e44c978cf7cd84d43484d101",
	},
	{
	    .name = "gcm_256_xpn_54B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "691d3ee909d7f54167fd1ca0b5d769081f2bde1aee655fdbab80bd5295a"
		   "e6be7",
	    .tci_an = 0x4c,
	    .sl = 0x2a,
	    .pn_lo = 0x76d457ed,
	    .pn_hi = 0xb0df459c,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340004",
	    .prot = "e20106d7cd0df0761e8dcd3d88e54c2a76d457ed88d9f7d1f1578ee34b"
		    "a7b1ab"
		    "c89893ef1d3398c9f1dd3e47fbd8553e0ff786ef5699eb01ea10420d0e"
		    "bd39a0"
		    "e273c4c7f95ed843207d7a497dfa",
	},
	{
	    .name = "gcm_128_60B_cipher",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "ad7a2bd03eac835a6f620fdcb506b345",
	    .tci_an = 0x2e,
	    .sl = 0x00,
	    .pn_lo = 0xb2c28465,
	    .sci = 0x12153524c0895e81ULL,
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0002",
	    .prot = "d609b1f056637a0d46df998d88e52e00b2c2846512153524c0895e8170"
		    "1afa1c"
		    "c039c0d765128a665dab69243899bf7318ccdc81c9931da17fbe8edd7d"
		    "17cb8b"
		    "4c26fc81e3284f2b7fba713d4f8d55e7d3f06fd5a13c0c29b9d5b880",
	},
	{
	    .name = "gcm_256_60B_cipher",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "e3c08a8f06c6e3ad95a70557b23f75483ce33021a9c72b7025666204c69"
		   "c0b72",
	    .tci_an = 0x2e,
	    .sl = 0x00,
	    .pn_lo = 0xb2c28465,
	    .sci = 0x12153524c0895e81ULL,
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0002",
	    .prot = "d609b1f056637a0d46df998d88e52e00b2c2846512153524c0895e81e2"
		    "006eb4"
		    "2f5277022d9b19925bc419d7a592666c925fe2ef718eb4e308efeaa7c5"
		    "273b39"
		    "4118860a5be2a97f56ab78365ca597cdbb3edb8d1a1151ea0af7b436",
	},
	{
	    .name = "gcm_128_xpn_60B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "ad7a2bd03eac835a6f620fdcb506b345",
	    .tci_an = 0x2e,
	    .sl = 0x00,
	    .pn_lo = 0xb2c28465,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x12153524c0895e81ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0002",
	    .prot = "d609b1f056637a0d46df998d88e52e00b2c2846512153524c0895e8107"
		    "12d980"
		    "ca50bbed35a0fa566338729ffa16d19ffcf07b3a1e7919b3776aacec8a"
		    "593720"
		    "8b483a7691984d380792e07fc2c3c79f263fa6bff8e7581e2ce45af8",
	},
	{
	    .name = "gcm_256_xpn_60B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "e3c08a8f06c6e3ad95a70557b23f75483ce33021a9c72b7025666204c69"
		   "c0b72",
	    .tci_an = 0x2e,
	    .sl = 0x00,
	    .pn_lo = 0xb2c28465,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x12153524c0895e81ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0002",
	    .prot = "d609b1f056637a0d46df998d88e52e00b2c2846512153524c0895e813e"
		    "b04a4b"
		    "bf54c6eb1222a9aea00c38687f6c3520d976a3b694800650ce6585e620"
		    "a41919"
		    "17d2a605d870c78d2752ce493b442ac0c816d7abd70ad65c25d46413",
	},
	{
	    .name = "gcm_128_61B_cipher",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "013fe00b5f11be7f866d0cbbc55a7a90",
	    .tci_an = 0x2f,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .plain =
		"84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1d1e1f"
		"20"
		"2122232425262728292a2b2c2d2e2f303132333435363738393a3b0006",
	    .prot =
		"84c5d513d2aaf6e5bbd2727788e52f008932d6127cfde9f9e33724c63a4de6"
		"fa"
		"32191014dbb303d92ee3a9e8a1b599c14d22fb080096e13811816a3c9c9bcf"
		"7c"
		"1b9b96da809204e29d0e2a7642bfd310a4837c816ccfa5ac23ab003988",
	},
	{
	    .name = "gcm_256_61B_cipher",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "83c093b58de7ffe1c0da926ac43fb3609ac1c80fee1b624497ef942e2f7"
		   "9a823",
	    .tci_an = 0x2f,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .plain =
		"84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1d1e1f"
		"20"
		"2122232425262728292a2b2c2d2e2f303132333435363738393a3b0006",
	    .prot =
		"84c5d513d2aaf6e5bbd2727788e52f008932d6127cfde9f9e33724c6110222"
		"ff"
		"8050cbece66a813ad09a73ed7a9a089c106b959389168ed6e8698ea902eb12"
		"77"
		"dbec2e68e473155a15a7daeed4a10f4e05139c23df00b3aadc71f0596a",
	},
	{
	    .name = "gcm_128_xpn_61B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "013fe00b5f11be7f866d0cbbc55a7a90",
	    .tci_an = 0x2f,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain =
		"84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1d1e1f"
		"20"
		"2122232425262728292a2b2c2d2e2f303132333435363738393a3b0006",
	    .prot =
		"84c5d513d2aaf6e5bbd2727788e52f008932d6127cfde9f9e33724c614c176"
		"93"
		"bc8297ee6c47c565cbe0679e80f00fcaf592c9aa0473928e7f2f216ff5a033"
		"de"
		"c7513f45d34cbb981c5bd64e8bd84b8e2a78e74dafeaa03846fe930c0e",
	},
	{
	    .name = "gcm_256_xpn_61B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "83c093b58de7ffe1c0da926ac43fb3609ac1c80fee1b624497ef942e2f7"
		   "9a823",
	    .tci_an = 0x2f,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain =
		"84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1d1e1f"
		"20"
		"2122232425262728292a2b2c2d2e2f303132333435363738393a3b0006",
	    .prot =
		"84c5d513d2aaf6e5bbd2727788e52f008932d6127cfde9f9e33724c60996e0"
		"c9"
		"a55774e0a792304e7dc150bd67fd747dd1b9419594bf373d4ace8f87f5c134"
		"9a"
		"fac491aa0a40d3199087b29fdf802f050e691f11a2d9b358f6994184f5",
	},
	{
	    .name = "gcm_128_75B_cipher",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "88ee087fd95da9fbf6725aa9d757b0cd",
	    .tci_an = 0x4d,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748490008",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e54d002e58495cc31f53d99e5687f736"
		    "5119b8"
		    "32d2aae70741d593f1f9e2ab3455779b078eb8feacdfec1f8e3e5277f8"
		    "180b43"
		    "361f6512adb16d2e38548a2c719dba7228d84088f8757adb8aa788d8f6"
		    "5ad668"
		    "be70e7",
	},
	{
	    .name = "gcm_256_75B_cipher",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "4c973dbc7364621674f8b5b89e5c15511fced9216490fb1c1a2caa0ffe0"
		   "407e5",
	    .tci_an = 0x4d,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748490008",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e54d002e58495cba8ae31bc506486d68"
		    "73e4fc"
		    "e460e7dc57591ff00611f31c3834fe1c04ad80b66803afcf5b27e6333f"
		    "a67c99"
		    "da47c2f0ced68d531bd741a943cff7a6713bd02611cd7daa01d61c5c88"
		    "6dc1a8"
		    "170107",
	},
	{
	    .name = "gcm_128_xpn_75B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "88ee087fd95da9fbf6725aa9d757b0cd",
	    .tci_an = 0x4d,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748490008",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e54d002e58495ceaecc6af6512fc8b6c"
		    "8c43bc"
		    "55b190b2626d07d3d218faf5daa7d8f800a57331eb43b5a17a37e5b1d6"
		    "0d275c"
		    "caf7acd704cc9ace2bf8bc8b9b23b9adf02f87346b96d1136a754df0a6"
		    "cde126"
		    "c107f8",
	},
	{
	    .name = "gcm_256_xpn_75B_cipher",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "4c973dbc7364621674f8b5b89e5c15511fced9216490fb1c1a2caa0ffe0"
		   "407e5",
	    .tci_an = 0x4d,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748490008",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e54d002e58495cb0fea36318b9b36466"
		    "c46e9e"
		    "1bda1a266858196e7e70d882ae70475668cde4ec883f6ac2369f284bed"
		    "1fe32f"
		    "42092fdff5868a3c64e5615192a7a3760b34bc85692cd815b664711aef"
		    "911df7"
		    "8d7f46",
	},
	{
	    .name = "gcm_128_54B_integrity",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "ad7a2bd03eac835a6f620fdcb506b345",
	    .tci_an = 0x22,
	    .sl = 0x2a,
	    .pn_lo = 0xb2c28465,
	    .sci = 0x12153524c0895e81ULL,
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340001",
	    .prot = "d609b1f056637a0d46df998d88e5222ab2c2846512153524c0895e8108"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "313233340001f09478a9b09007d06f46e9b6a1da25dd",
	},
	{
	    .name = "gcm_256_54B_integrity",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "e3c08a8f06c6e3ad95a70557b23f75483ce33021a9c72b7025666204c69"
		   "c0b72",
	    .tci_an = 0x22,
	    .sl = 0x2a,
	    .pn_lo = 0xb2c28465,
	    .sci = 0x12153524c0895e81ULL,
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340001",
	    .prot = "d609b1f056637a0d46df998d88e5222ab2c2846512153524c0895e8108"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "3132333400012f0bc5af409e06d609ea8b7d0fa5ea50",
	},
	{
	    .name = "gcm_128_xpn_54B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "ad7a2bd03eac835a6f620fdcb506b345",
	    .tci_an = 0x22,
	    .sl = 0x2a,
	    .pn_lo = 0xb2c28465,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x12153524c0895e81ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340001",
	    .prot = "d609b1f056637a0d46df998d88e5222ab2c2846512153524c0895e8108"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "31323334000117fe1981ebdd4afc5062697e8baa0c23",
	},
	{
	    .name = "gcm_256_xpn_54B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "e3c08a8f06c6e3ad95a70557b23f75483ce33021a9c72b7025666204c69"
		   "c0b72",
	    .tci_an = 0x22,
	    .sl = 0x2a,
	    .pn_lo = 0xb2c28465,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x12153524c0895e81ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "d609b1f056637a0d46df998d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f30313233340001",
	    .prot = "d609b1f056637a0d46df998d88e5222ab2c2846512153524c0895e8108"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "3132333400014dbd2f6a754a6cf728cc129ba6931577",
	},
	{
	    .name = "gcm_128_60B_integrity",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "071b113b0ca743fecccf3d051f737382",
	    .tci_an = 0x40,
	    .sl = 0x00,
	    .pn_lo = 0x76d457ed,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0003",
	    .prot = "e20106d7cd0df0761e8dcd3d88e5400076d457ed08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a00030c017bc73b227dfcc9bafa1c41acc353",
	},
	{
	    .name = "gcm_256_60B_integrity",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "691d3ee909d7f54167fd1ca0b5d769081f2bde1aee655fdbab80bd5295a"
		   "e6be7",
	    .tci_an = 0x40,
	    .sl = 0x00,
	    .pn_lo = 0x76d457ed,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0003",
	    .prot = "e20106d7cd0df0761e8dcd3d88e5400076d457ed08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a000335217c774bbc31b63166bcf9d4abed07",
	},
	{
	    .name = "gcm_128_xpn_60B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "071b113b0ca743fecccf3d051f737382",
	    .tci_an = 0x40,
	    .sl = 0x00,
	    .pn_lo = 0x76d457ed,
	    .pn_hi = 0xb0df459c,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0003",
	    .prot = "e20106d7cd0df0761e8dcd3d88e5400076d457ed08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a0003abc40685a3cf911d3787e49db6a7265e",
	},
	{
	    .name = "gcm_256_xpn_60B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "691d3ee909d7f54167fd1ca0b5d769081f2bde1aee655fdbab80bd5295a"
		   "e6be7",
	    .tci_an = 0x40,
	    .sl = 0x00,
	    .pn_lo = 0x76d457ed,
	    .pn_hi = 0xb0df459c,
	    .sci = 0xf0761e8dcd3d0001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "e20106d7cd0df0761e8dcd3d08000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a0003",
	    .prot = "e20106d7cd0df0761e8dcd3d88e5400076d457ed08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a0003ac21957b8312ab3c99ab46849879c3f3",
	},
	{
	    .name = "gcm_128_65B_integrity",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "013fe00b5f11be7f866d0cbbc55a7a90",
	    .tci_an = 0x23,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .plain = "84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f00"
		     "05",
	    .prot = "84c5d513d2aaf6e5bbd2727788e523008932d6127cfde9f9e33724c608"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "3132333435363738393a3b3c3d3e3f0005217867e50c2dad74c28c3b50"
		    "abdf69"
		    "5a",
	},
	{
	    .name = "gcm_256_65B_integrity",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "83c093b58de7ffe1c0da926ac43fb3609ac1c80fee1b624497ef942e2f7"
		   "9a823",
	    .tci_an = 0x23,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .plain = "84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f00"
		     "05",
	    .prot = "84c5d513d2aaf6e5bbd2727788e523008932d6127cfde9f9e33724c608"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "3132333435363738393a3b3c3d3e3f00056ee160e8faeca4b36c86b234"
		    "920ca9"
		    "75",
	},
	{
	    .name = "gcm_128_xpn_65B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "013fe00b5f11be7f866d0cbbc55a7a90",
	    .tci_an = 0x23,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f00"
		     "05",
	    .prot = "84c5d513d2aaf6e5bbd2727788e523008932d6127cfde9f9e33724c608"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "3132333435363738393a3b3c3d3e3f0005678559b7e52db00682e3b830"
		    "34cebe"
		    "59",
	},
	{
	    .name = "gcm_256_xpn_65B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "83c093b58de7ffe1c0da926ac43fb3609ac1c80fee1b624497ef942e2f7"
		   "9a823",
	    .tci_an = 0x23,
	    .sl = 0x00,
	    .pn_lo = 0x8932d612,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7cfde9f9e33724c6ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "84c5d513d2aaf6e5bbd2727708000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f00"
		     "05",
	    .prot = "84c5d513d2aaf6e5bbd2727788e523008932d6127cfde9f9e33724c608"
		    "000f10"
		    "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
		    "2e2f30"
		    "3132333435363738393a3b3c3d3e3f000584bac8e53d1ea355a5c7d334"
		    "840ae9"
		    "62",
	},
	{
	    .name = "gcm_128_79B_integrity",
	    .cs = SECY_CS_GCM_AES_128,
	    .key = "88ee087fd95da9fbf6725aa9d757b0cd",
	    .tci_an = 0x41,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748494a4b4c4d0007",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e541002e58495c08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a3b3c3d3e3f404142434445464748494a4b4c4d000707922b8ebcf1"
		    "0bb229"
		    "7588ca4c614523",
	},
	{
	    .name = "gcm_256_79B_integrity",
	    .cs = SECY_CS_GCM_AES_256,
	    .key = "4c973dbc7364621674f8b5b89e5c15511fced9216490fb1c1a2caa0ffe0"
		   "407e5",
	    .tci_an = 0x41,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748494a4b4c4d0007",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e541002e58495c08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a3b3c3d3e3f404142434445464748494a4b4c4d000700bda1b7e876"
		    "08bcbf"
		    "470f12157f4c07",
	},
	{
	    .name = "gcm_128_xpn_79B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_128,
	    .key = "88ee087fd95da9fbf6725aa9d757b0cd",
	    .tci_an = 0x41,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748494a4b4c4d0007",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e541002e58495c08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a3b3c3d3e3f404142434445464748494a4b4c4d0007d0dc896dc837"
		    "98a79f"
		    "3c5a95ba3cdf9a",
	},
	{
	    .name = "gcm_256_xpn_79B_integrity",
	    .cs = SECY_CS_GCM_AES_XPN_256,
	    .key = "4c973dbc7364621674f8b5b89e5c15511fced9216490fb1c1a2caa0ffe0"
		   "407e5",
	    .tci_an = 0x41,
	    .sl = 0x00,
	    .pn_lo = 0x2e58495c,
	    .pn_hi = 0xb0df459c,
	    .sci = 0x7ae8e2ca4ec50001ULL,
	    .ssci = 0x7a30c118,
	    .salt = "e630e81a48de86a21c66fa6d",
	    .plain = "68f2e77696ce7ae8e2ca4ec508000f101112131415161718191a1b1c1"
		     "d1e1f20"
		     "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3"
		     "d3e3f40"
		     "4142434445464748494a4b4c4d0007",
	    .prot = "68f2e77696ce7ae8e2ca4ec588e541002e58495c08000f101112131415"
		    "161718"
		    "191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
		    "363738"
		    "393a3b3c3d3e3f404142434445464748494a4b4c4d000704249a208a65"
		    "b96b3f"
		    "3263004cfd867d",
	},
};

#endif /* QS_VECTORS_ANNEX_C_H */
