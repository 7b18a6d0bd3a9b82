/* QP_Y and mb_qp_delta along each slice (7.4.5); see mb_qp_ref.h. */
#include "encode/compute/mb_qp_ref.h"

void tk_mb_qp_frame_ref(TkCodedMb *coded, int mb_width, int mb_height, int slice_mb_rows,
                        int slice_qp)
{
    int n_mbs = mb_width * mb_height, per_slice = mb_width * slice_mb_rows;
    int qp_pred = slice_qp;
    for (int n = 0; n < n_mbs; n++) {
        TkCodedMb *mb = &coded[n];
        if (n % per_slice == 0)
            qp_pred = slice_qp; /* QP_pred of a slice's first macroblock is SliceQPY */
        int codes = tk_coded_mb_codes_qp_delta(mb);
        mb->qp_y = codes ? mb->qp : qp_pred;
        mb->qp_delta = codes ? mb->qp - qp_pred : 0;
        qp_pred = mb->qp_y;
    }
}
