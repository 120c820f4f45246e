// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes selftests/data/photo.jpg, the JPEG of the classifier tests: a
 * synthetic colour picture (gradients, rings and a little deterministic
 * noise, so the scan data looks like a photo's), 320x240 or W x H from the
 * arguments, in baseline JPEG at quality 85.  Not part of the build;
 * regenerate with libjpeg:
 *	cc -O2 selftests/data/gen_photo.c -o /tmp/gen_photo -ljpeg -lm &&
 *	/tmp/gen_photo > selftests/data/photo.jpg
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv)
{
	int W = argc > 2 ? atoi(argv[1]) : 320, H = argc > 2 ? atoi(argv[2]) : 240;
	unsigned char *rgb = malloc((size_t)W * H * 3);
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned int seed = 7;

	for (int y = 0; y < H; y++) {
		for (int x = 0; x < W; x++) {
			double r = hypot(x - W / 3.0, y - H / 2.0);
			unsigned char *p = rgb + 3 * (y * W + x);

			seed = seed * 1103515245 + 12345;
			p[0] = (unsigned char)(128 + 100 * sin(r / 9.0) + (seed >> 28));
			p[1] = (unsigned char)(x * 255 / W);
			p[2] = (unsigned char)(y * 255 / H / 2 + 60 * cos(x / 17.0) + 60 + (seed >> 29));
		}
	}
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, stdout);
	c.image_width = W;
	c.image_height = H;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 85, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < H) {
		JSAMPROW row = rgb + 3 * W * c.next_scanline;

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(rgb);
	return 0;
}
