/*
 * SPS / PPS / slice header writing, one syntax element per line in the order of the syntax
 * tables (cited by clause) so each line can be checked against the spec; see params.h.
 */
#include "encode/h264/params.h"

#include "talkie/talkie.h"

/* Table A-1: level_idc, MaxMBPS (MB/s), MaxFS (MBs), MaxBR (1000 bit/s units for VCL). */
typedef struct TkLevelLimits {
    int level_idc;
    int64_t max_mbps;
    int64_t max_fs;
    int64_t max_br;
} TkLevelLimits;

static const TkLevelLimits level_limits[] = {
    { 10, 1485, 99, 64 },
    { 11, 3000, 396, 192 },
    { 12, 6000, 396, 384 },
    { 13, 11880, 396, 768 },
    { 20, 11880, 396, 2000 },
    { 21, 19800, 792, 4000 },
    { 22, 20250, 1620, 4000 },
    { 30, 40500, 1620, 10000 },
    { 31, 108000, 3600, 14000 },
    { 32, 216000, 5120, 20000 },
    { 40, 245760, 8192, 20000 },
    { 41, 245760, 8192, 50000 },
    { 42, 522240, 8704, 50000 },
    { 50, 589824, 22080, 135000 },
    { 51, 983040, 36864, 240000 },
    { 52, 2073600, 36864, 240000 },
};

int tk_h264_level(const TkFrameLayout *layout, int fps_num, int fps_den, int64_t bitrate_bps)
{
    int64_t fs = (int64_t)layout->mb_width * layout->mb_height;
    int64_t side = layout->mb_width > layout->mb_height ? layout->mb_width : layout->mb_height;
    for (size_t i = 0; i < sizeof(level_limits) / sizeof(level_limits[0]); i++) {
        const TkLevelLimits *l = &level_limits[i];
        if (fs > l->max_fs || side * side > 8 * l->max_fs)
            continue;
        /* fs * fps <= MaxMBPS, kept in integers: fs * num <= MaxMBPS * den. */
        if (fs * fps_num > l->max_mbps * fps_den)
            continue;
        /* A.3.1: the NAL HRD bitrate limit is 1200 * MaxBR for Baseline. */
        if (bitrate_bps > 0 && bitrate_bps > l->max_br * 1200)
            continue;
        return l->level_idc;
    }
    return TALKIE_ERROR_UNSUPPORTED;
}

int64_t tk_h264_level_max_bitrate(int level_idc)
{
    for (size_t i = 0; i < sizeof(level_limits) / sizeof(level_limits[0]); i++)
        if (level_limits[i].level_idc == level_idc)
            return level_limits[i].max_br * 1200; /* A.3.1: NAL HRD, Baseline */
    return 0;
}

/* vui_parameters() E.1.1 */
static void write_vui(TkBitWriter *bw, const TkH264Config *c)
{
    tk_bw_put(bw, 1, 1);            /* aspect_ratio_info_present_flag */
    tk_bw_put(bw, 8, 1);            /* aspect_ratio_idc: 1:1 (square samples) */
    tk_bw_put(bw, 1, 0);            /* overscan_info_present_flag */
    tk_bw_put(bw, 1, 1);            /* video_signal_type_present_flag */
    tk_bw_put(bw, 3, 5);            /* video_format: unspecified */
    tk_bw_put(bw, 1, 0);            /* video_full_range_flag: limited range */
    tk_bw_put(bw, 1, 1);            /* colour_description_present_flag */
    tk_bw_put(bw, 8, 1);            /* colour_primaries: BT.709 */
    tk_bw_put(bw, 8, 1);            /* transfer_characteristics: BT.709 */
    tk_bw_put(bw, 8, 1);            /* matrix_coefficients: BT.709 */
    tk_bw_put(bw, 1, 0);            /* chroma_loc_info_present_flag: type 0 (left) */
    tk_bw_put(bw, 1, 1);            /* timing_info_present_flag */
    tk_bw_put(bw, 32, (uint32_t)c->fps_den);     /* num_units_in_tick */
    tk_bw_put(bw, 32, 2u * (uint32_t)c->fps_num); /* time_scale: a frame is two ticks (E.2.1) */
    tk_bw_put(bw, 1, 1);            /* fixed_frame_rate_flag */
    tk_bw_put(bw, 1, 0);            /* nal_hrd_parameters_present_flag */
    tk_bw_put(bw, 1, 0);            /* vcl_hrd_parameters_present_flag */
    tk_bw_put(bw, 1, 0);            /* pic_struct_present_flag */
    tk_bw_put(bw, 1, 1);            /* bitstream_restriction_flag */
    tk_bw_put(bw, 1, 1);            /* motion_vectors_over_pic_boundaries_flag */
    tk_bw_put_ue(bw, 0);            /* max_bytes_per_pic_denom: no limit */
    tk_bw_put_ue(bw, 0);            /* max_bits_per_mb_denom: no limit */
    tk_bw_put_ue(bw, 16);           /* log2_max_mv_length_horizontal */
    tk_bw_put_ue(bw, 16);           /* log2_max_mv_length_vertical */
    tk_bw_put_ue(bw, 0);            /* max_num_reorder_frames: output at once */
    tk_bw_put_ue(bw, (uint32_t)c->max_num_ref_frames); /* max_dec_frame_buffering */
}

/* seq_parameter_set_rbsp() 7.3.2.1 / seq_parameter_set_data() 7.3.2.1.1 */
void tk_h264_write_sps(TkBitWriter *bw, const TkH264Config *c)
{
    const TkFrameLayout *l = &c->layout;
    /* 7.4.2.1.1: for 4:2:0 frames CropUnitX = CropUnitY = 2. */
    int crop_right = (l->aligned_width - l->width) / 2;
    int crop_bottom = (l->aligned_height - l->height) / 2;
    int cropping = crop_right != 0 || crop_bottom != 0;

    tk_bw_put(bw, 8, 66);           /* profile_idc: Baseline */
    tk_bw_put(bw, 1, 1);            /* constraint_set0_flag */
    tk_bw_put(bw, 1, 1);            /* constraint_set1_flag: with set0, Constrained Baseline */
    tk_bw_put(bw, 1, 0);            /* constraint_set2_flag */
    tk_bw_put(bw, 1, 0);            /* constraint_set3_flag */
    tk_bw_put(bw, 1, 0);            /* constraint_set4_flag */
    tk_bw_put(bw, 1, 0);            /* constraint_set5_flag */
    tk_bw_put(bw, 2, 0);            /* reserved_zero_2bits */
    tk_bw_put(bw, 8, (uint32_t)c->level_idc); /* level_idc */
    tk_bw_put_ue(bw, 0);            /* seq_parameter_set_id */
    tk_bw_put_ue(bw, TK_H264_LOG2_MAX_FRAME_NUM - 4); /* log2_max_frame_num_minus4 */
    tk_bw_put_ue(bw, 2);            /* pic_order_cnt_type */
    tk_bw_put_ue(bw, (uint32_t)c->max_num_ref_frames); /* max_num_ref_frames */
    tk_bw_put(bw, 1, 0);            /* gaps_in_frame_num_value_allowed_flag */
    tk_bw_put_ue(bw, (uint32_t)l->mb_width - 1);  /* pic_width_in_mbs_minus1 */
    tk_bw_put_ue(bw, (uint32_t)l->mb_height - 1); /* pic_height_in_map_units_minus1 */
    tk_bw_put(bw, 1, 1);            /* frame_mbs_only_flag */
    tk_bw_put(bw, 1, 1);            /* direct_8x8_inference_flag */
    tk_bw_put(bw, 1, (uint32_t)cropping); /* frame_cropping_flag */
    if (cropping) {
        tk_bw_put_ue(bw, 0);                      /* frame_crop_left_offset */
        tk_bw_put_ue(bw, (uint32_t)crop_right);   /* frame_crop_right_offset */
        tk_bw_put_ue(bw, 0);                      /* frame_crop_top_offset */
        tk_bw_put_ue(bw, (uint32_t)crop_bottom);  /* frame_crop_bottom_offset */
    }
    tk_bw_put(bw, 1, 1);            /* vui_parameters_present_flag */
    write_vui(bw, c);
    tk_bw_trailing(bw);             /* rbsp_trailing_bits() */
}

/* pic_parameter_set_rbsp() 7.3.2.2 */
void tk_h264_write_pps(TkBitWriter *bw, const TkH264Config *c)
{
    (void)c;
    tk_bw_put_ue(bw, 0);            /* pic_parameter_set_id */
    tk_bw_put_ue(bw, 0);            /* seq_parameter_set_id */
    tk_bw_put(bw, 1, 0);            /* entropy_coding_mode_flag: CAVLC */
    tk_bw_put(bw, 1, 0);            /* bottom_field_pic_order_in_frame_present_flag */
    tk_bw_put_ue(bw, 0);            /* num_slice_groups_minus1 */
    tk_bw_put_ue(bw, 0);            /* num_ref_idx_l0_default_active_minus1 */
    tk_bw_put_ue(bw, 0);            /* num_ref_idx_l1_default_active_minus1 */
    tk_bw_put(bw, 1, 0);            /* weighted_pred_flag */
    tk_bw_put(bw, 2, 0);            /* weighted_bipred_idc */
    tk_bw_put_se(bw, 0);            /* pic_init_qp_minus26 */
    tk_bw_put_se(bw, 0);            /* pic_init_qs_minus26 */
    tk_bw_put_se(bw, 0);            /* chroma_qp_index_offset */
    tk_bw_put(bw, 1, 1);            /* deblocking_filter_control_present_flag */
    tk_bw_put(bw, 1, 0);            /* constrained_intra_pred_flag */
    tk_bw_put(bw, 1, 0);            /* redundant_pic_cnt_present_flag */
    tk_bw_trailing(bw);             /* rbsp_trailing_bits() */
}

/* access_unit_delimiter_rbsp() 7.3.2.4 */
void tk_h264_write_aud_pic(TkBitWriter *bw, int p_slices)
{
    /* primary_pic_type (Table 7-5): 0 = I slices only, 1 = I and P slices */
    tk_bw_put(bw, 3, p_slices ? 1u : 0u);
    tk_bw_trailing(bw);             /* rbsp_trailing_bits() */
}

void tk_h264_write_aud(TkBitWriter *bw)
{
    tk_h264_write_aud_pic(bw, 0);
}

/* sei_rbsp() 7.3.2.3 with one sei_message() 7.3.2.3.1 holding recovery_point() D.1.8 */
void tk_h264_write_sei_recovery_point(TkBitWriter *bw, int recovery_frame_cnt)
{
    /* the payload first, to know its size: ue(v) + 4 bits, then sei_payload()'s
     * bit_equal_to_one and bit_equal_to_zero up to the byte boundary (D.1) */
    uint32_t words[4];
    TkBitWriter pl;
    tk_bw_init(&pl, words, 4);
    tk_bw_put_ue(&pl, (uint32_t)recovery_frame_cnt); /* recovery_frame_cnt */
    tk_bw_put(&pl, 1, 1);           /* exact_match_flag: the refresh is clean (encoder_ref.h) */
    tk_bw_put(&pl, 1, 0);           /* broken_link_flag */
    tk_bw_put(&pl, 2, 0);           /* changing_slice_group_idc */
    tk_bw_trailing(&pl);            /* bit_equal_to_one, bit_equal_to_zero... */
    uint8_t bytes[16];
    size_t n = tk_bw_bytes(&pl, bytes, sizeof(bytes));
    tk_bw_put(bw, 8, 6);            /* last_payload_type_byte: 6 = recovery point */
    tk_bw_put(bw, 8, (uint32_t)n);  /* last_payload_size_byte (n < 255) */
    for (size_t i = 0; i < n; i++)
        tk_bw_put(bw, 8, bytes[i]);
    tk_bw_trailing(bw);             /* rbsp_trailing_bits() */
}

/* slice_header() 7.3.3, for an I or P slice of our SPS/PPS */
void tk_h264_write_slice_header(TkBitWriter *bw, const TkH264Config *c,
                                const TkH264SliceHeader *s)
{
    (void)c;
    tk_bw_put_ue(bw, (uint32_t)s->first_mb); /* first_mb_in_slice */
    /* slice_type (Table 7-6): 5 = P, 7 = I, each "+5": all slices of the picture alike */
    tk_bw_put_ue(bw, s->p_slice ? 5 : 7);
    tk_bw_put_ue(bw, 0);            /* pic_parameter_set_id */
    tk_bw_put(bw, TK_H264_LOG2_MAX_FRAME_NUM, (uint32_t)s->frame_num); /* frame_num */
    /* frame_mbs_only_flag = 1: no field_pic_flag */
    if (s->idr)
        tk_bw_put_ue(bw, (uint32_t)s->idr_pic_id); /* idr_pic_id */
    /* pic_order_cnt_type 2: no POC syntax; redundant_pic_cnt_present_flag 0 */
    if (s->p_slice) {
        /* 0: the PPS default, num_ref_idx_l0_default_active_minus1 + 1 = 1 */
        tk_bw_put(bw, 1, s->num_ref_idx_l0_active != 0); /* num_ref_idx_active_override_flag */
        if (s->num_ref_idx_l0_active != 0)
            /* num_ref_idx_l0_active_minus1 */
            tk_bw_put_ue(bw, (uint32_t)s->num_ref_idx_l0_active - 1);
        /* ref_pic_list_modification() 7.3.3.1: the default list (the previous picture) */
        tk_bw_put(bw, 1, 0);        /* ref_pic_list_modification_flag_l0 */
        /* weighted_pred_flag 0: no pred_weight_table */
    }
    /* nal_ref_idc != 0: dec_ref_pic_marking() 7.3.3.3 */
    if (s->idr) {
        tk_bw_put(bw, 1, 0);        /* no_output_of_prior_pics_flag */
        tk_bw_put(bw, 1, 0);        /* long_term_reference_flag */
    } else {
        /* sliding window (8.2.5.3): with max_num_ref_frames 1 each picture replaces the
         * previous one as the reference */
        tk_bw_put(bw, 1, 0);        /* adaptive_ref_pic_marking_mode_flag */
    }
    /* entropy_coding_mode_flag 0: no cabac_init_idc */
    tk_bw_put_se(bw, s->qp - 26);   /* slice_qp_delta */
    /* deblocking_filter_control_present_flag 1 */
    tk_bw_put_ue(bw, s->deblock ? 0 : 1); /* disable_deblocking_filter_idc: 0 on, 1 off */
    if (s->deblock) {
        tk_bw_put_se(bw, 0);        /* slice_alpha_c0_offset_div2 */
        tk_bw_put_se(bw, 0);        /* slice_beta_offset_div2 */
    }
    /* num_slice_groups_minus1 0: no slice_group_change_cycle */
}
