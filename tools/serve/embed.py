#!/usr/bin/env python3
"""Turns page.html into a C file (serve_page_html, serve_page_html_len), so the server reads
no file at run time."""
import sys

data = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'w') as out:
    out.write('/* generated from page.html by embed.py */\n#include <stddef.h>\n')
    out.write('const char serve_page_html[] = {\n')
    for i in range(0, len(data), 16):
        out.write(''.join('%d,' % b for b in data[i:i + 16]) + '\n')
    out.write('0};\nconst size_t serve_page_html_len = %d;\n' % len(data))
