/* test_lab_capture.c — what the PoC lab's wire capture calls a cleartext
 * frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lab_capture.h"
#include "lab_stream.h"

static const uint8_t *M = (const uint8_t *)LAB_STREAM_MAGIC;

/* frame builds a frame of |len| octets with EtherType |type|. */
static size_t
frame(uint8_t *f, size_t len, uint16_t type)
{
	memset(f, 0xee, len);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return len;
}

static void
test_classify(void **state)
{
	uint8_t f[256];
	struct lab_capture_counts c = { 0 };

	(void)state;
	assert_int_equal(lab_capture_classify(f, frame(f, 64, 0x88e5), M, 16),
	    LAB_CAP_MACSEC);
	assert_int_equal(lab_capture_classify(f, frame(f, 64, 0x888e), M, 16),
	    LAB_CAP_EAPOL);
	assert_int_equal(
	    lab_capture_classify(f, frame(f, 64, 0x88cc), M, 16), LAB_CAP_LLDP);
	/* IPv4, ARP, a VLAN tag: not allowed on the link */
	assert_int_equal(lab_capture_classify(f, frame(f, 64, 0x0800), M, 16),
	    LAB_CAP_OTHER);
	assert_int_equal(lab_capture_classify(f, frame(f, 42, 0x0806), M, 16),
	    LAB_CAP_OTHER);
	assert_int_equal(lab_capture_classify(f, frame(f, 64, 0x8100), M, 16),
	    LAB_CAP_OTHER);
	/* too short to have an EtherType */
	assert_int_equal(lab_capture_classify(f, 13, M, 16), LAB_CAP_OTHER);
	assert_int_equal(lab_capture_classify(f, 0, M, 16), LAB_CAP_OTHER);
	/* the marker anywhere, even in a MACsec frame (no confidentiality)
	 * or at the very end */
	frame(f, 200, 0x88e5);
	memcpy(f + 60, M, 16);
	assert_int_equal(lab_capture_classify(f, 200, M, 16),
	    LAB_CAP_MACSEC | LAB_CAP_MARKER);
	frame(f, 200, 0x0800);
	memcpy(f + 184, M, 16);
	assert_int_equal(lab_capture_classify(f, 200, M, 16),
	    LAB_CAP_OTHER | LAB_CAP_MARKER);
	/* cut one octet short: no marker */
	assert_int_equal(lab_capture_classify(f, 199, M, 16), LAB_CAP_OTHER);
	/* not looked for */
	assert_int_equal(lab_capture_classify(f, 200, M, 0), LAB_CAP_OTHER);

	lab_capture_count(&c, LAB_CAP_MACSEC);
	lab_capture_count(&c, LAB_CAP_MACSEC | LAB_CAP_MARKER);
	lab_capture_count(&c, LAB_CAP_OTHER | LAB_CAP_MARKER);
	lab_capture_count(&c, LAB_CAP_EAPOL);
	lab_capture_count(&c, LAB_CAP_LLDP);
	lab_capture_count(&c, LAB_CAP_OTHER);
	assert_int_equal(c.frames, 6);
	assert_int_equal(c.macsec, 2);
	assert_int_equal(c.eapol, 1);
	assert_int_equal(c.lldp, 1);
	assert_int_equal(c.other, 2);
	assert_int_equal(c.marker, 2);
	/* each cleartext frame once */
	assert_int_equal(c.cleartext, 3);
	{
		struct lab_capture_counts sum = c;

		lab_capture_sum(&sum, &c);
		assert_int_equal(sum.frames, 12);
		assert_int_equal(sum.cleartext, 6);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
