//! helper: the kernel's helper-function ids (`enum bpf_func_id` in the uapi bpf.h; the list is
//! frozen at 211, new kernel functions are kfuncs) and their names.

/// The helpers a tracer calls, by id. Any other id can still be called through
/// `CallTarget::Helper` and is named by `helper_name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Helper {
    /// `bpf_map_lookup_elem`
    MapLookupElem = 1,
    /// `bpf_map_update_elem`
    MapUpdateElem = 2,
    /// `bpf_map_delete_elem`
    MapDeleteElem = 3,
    /// `bpf_probe_read`
    ProbeRead = 4,
    /// `bpf_ktime_get_ns`
    KtimeGetNs = 5,
    /// `bpf_trace_printk`
    TracePrintk = 6,
    /// `bpf_get_prandom_u32`
    GetPrandomU32 = 7,
    /// `bpf_get_smp_processor_id`
    GetSmpProcessorId = 8,
    /// `bpf_tail_call`
    TailCall = 12,
    /// `bpf_get_current_pid_tgid`
    GetCurrentPidTgid = 14,
    /// `bpf_get_current_uid_gid`
    GetCurrentUidGid = 15,
    /// `bpf_get_current_comm`
    GetCurrentComm = 16,
    /// `bpf_perf_event_read`
    PerfEventRead = 22,
    /// `bpf_perf_event_output`
    PerfEventOutput = 25,
    /// `bpf_get_stackid`
    GetStackid = 27,
    /// `bpf_get_current_task`
    GetCurrentTask = 35,
    /// `bpf_probe_write_user`
    ProbeWriteUser = 36,
    /// `bpf_get_numa_node_id`
    GetNumaNodeId = 42,
    /// `bpf_probe_read_str`
    ProbeReadStr = 45,
    /// `bpf_perf_event_read_value`
    PerfEventReadValue = 55,
    /// `bpf_override_return`
    OverrideReturn = 58,
    /// `bpf_get_stack`
    GetStack = 67,
    /// `bpf_get_current_cgroup_id`
    GetCurrentCgroupId = 80,
    /// `bpf_send_signal`
    SendSignal = 109,
    /// `bpf_probe_read_user`
    ProbeReadUser = 112,
    /// `bpf_probe_read_kernel`
    ProbeReadKernel = 113,
    /// `bpf_probe_read_user_str`
    ProbeReadUserStr = 114,
    /// `bpf_probe_read_kernel_str`
    ProbeReadKernelStr = 115,
    /// `bpf_send_signal_thread`
    SendSignalThread = 117,
    /// `bpf_jiffies64`
    Jiffies64 = 118,
    /// `bpf_get_ns_current_pid_tgid`
    GetNsCurrentPidTgid = 120,
    /// `bpf_ktime_get_boot_ns`
    KtimeGetBootNs = 125,
    /// `bpf_ringbuf_output`
    RingbufOutput = 130,
    /// `bpf_ringbuf_reserve`
    RingbufReserve = 131,
    /// `bpf_ringbuf_submit`
    RingbufSubmit = 132,
    /// `bpf_ringbuf_discard`
    RingbufDiscard = 133,
    /// `bpf_ringbuf_query`
    RingbufQuery = 134,
    /// `bpf_get_task_stack`
    GetTaskStack = 141,
    /// `bpf_d_path`
    DPath = 147,
    /// `bpf_snprintf`
    Snprintf = 165,
    /// `bpf_get_func_ip`
    GetFuncIp = 173,
    /// `bpf_get_attach_cookie`
    GetAttachCookie = 174,
    /// `bpf_task_pt_regs`
    TaskPtRegs = 175,
    /// `bpf_find_vma`
    FindVma = 180,
    /// `bpf_loop`
    Loop = 181,
    /// `bpf_strncmp`
    Strncmp = 182,
    /// `bpf_get_func_arg`
    GetFuncArg = 183,
    /// `bpf_get_func_ret`
    GetFuncRet = 184,
    /// `bpf_get_func_arg_cnt`
    GetFuncArgCnt = 185,
    /// `bpf_map_lookup_percpu_elem`
    MapLookupPercpuElem = 195,
    /// `bpf_ktime_get_tai_ns`
    KtimeGetTaiNs = 208,
}

impl Helper {
    /// Every helper this enum names.
    pub const ALL: [Helper; 51] = [
        Helper::MapLookupElem,
        Helper::MapUpdateElem,
        Helper::MapDeleteElem,
        Helper::ProbeRead,
        Helper::KtimeGetNs,
        Helper::TracePrintk,
        Helper::GetPrandomU32,
        Helper::GetSmpProcessorId,
        Helper::TailCall,
        Helper::GetCurrentPidTgid,
        Helper::GetCurrentUidGid,
        Helper::GetCurrentComm,
        Helper::PerfEventRead,
        Helper::PerfEventOutput,
        Helper::GetStackid,
        Helper::GetCurrentTask,
        Helper::ProbeWriteUser,
        Helper::GetNumaNodeId,
        Helper::ProbeReadStr,
        Helper::PerfEventReadValue,
        Helper::OverrideReturn,
        Helper::GetStack,
        Helper::GetCurrentCgroupId,
        Helper::SendSignal,
        Helper::ProbeReadUser,
        Helper::ProbeReadKernel,
        Helper::ProbeReadUserStr,
        Helper::ProbeReadKernelStr,
        Helper::SendSignalThread,
        Helper::Jiffies64,
        Helper::GetNsCurrentPidTgid,
        Helper::KtimeGetBootNs,
        Helper::RingbufOutput,
        Helper::RingbufReserve,
        Helper::RingbufSubmit,
        Helper::RingbufDiscard,
        Helper::RingbufQuery,
        Helper::GetTaskStack,
        Helper::DPath,
        Helper::Snprintf,
        Helper::GetFuncIp,
        Helper::GetAttachCookie,
        Helper::TaskPtRegs,
        Helper::FindVma,
        Helper::Loop,
        Helper::Strncmp,
        Helper::GetFuncArg,
        Helper::GetFuncRet,
        Helper::GetFuncArgCnt,
        Helper::MapLookupPercpuElem,
        Helper::KtimeGetTaiNs,
    ];

    /// The helper's id, the immediate of its call.
    pub fn id(self) -> i32 {
        self as i32
    }

    /// The name without its `bpf_` prefix, as in `bpf_func_id`.
    pub fn name(self) -> &'static str {
        helper_name(self.id()).unwrap_or_default()
    }
}

/// The helper's name without its `bpf_` prefix (`map_lookup_elem`), if the id is one this table
/// knows.
pub fn helper_name(id: i32) -> Option<&'static str> {
    let name = crate::nth_word(HELPER_NAMES, b'\n', usize::try_from(id).ok()?)?;
    (id != 0 && !name.is_empty()).then_some(name)
}

/// Line N names helper id N; id 0 is `unspec`, not a callable helper. One string, not an array
/// of 212 `&str`s, whose pointers and lengths alone would cost the binary 3 KiB.
const HELPER_NAMES: &str = concat!(
    "unspec\n",
    "map_lookup_elem\n",
    "map_update_elem\n",
    "map_delete_elem\n",
    "probe_read\n",
    "ktime_get_ns\n",
    "trace_printk\n",
    "get_prandom_u32\n",
    "get_smp_processor_id\n",
    "skb_store_bytes\n",
    "l3_csum_replace\n",
    "l4_csum_replace\n",
    "tail_call\n",
    "clone_redirect\n",
    "get_current_pid_tgid\n",
    "get_current_uid_gid\n",
    "get_current_comm\n",
    "get_cgroup_classid\n",
    "skb_vlan_push\n",
    "skb_vlan_pop\n",
    "skb_get_tunnel_key\n",
    "skb_set_tunnel_key\n",
    "perf_event_read\n",
    "redirect\n",
    "get_route_realm\n",
    "perf_event_output\n",
    "skb_load_bytes\n",
    "get_stackid\n",
    "csum_diff\n",
    "skb_get_tunnel_opt\n",
    "skb_set_tunnel_opt\n",
    "skb_change_proto\n",
    "skb_change_type\n",
    "skb_under_cgroup\n",
    "get_hash_recalc\n",
    "get_current_task\n",
    "probe_write_user\n",
    "current_task_under_cgroup\n",
    "skb_change_tail\n",
    "skb_pull_data\n",
    "csum_update\n",
    "set_hash_invalid\n",
    "get_numa_node_id\n",
    "skb_change_head\n",
    "xdp_adjust_head\n",
    "probe_read_str\n",
    "get_socket_cookie\n",
    "get_socket_uid\n",
    "set_hash\n",
    "setsockopt\n",
    "skb_adjust_room\n",
    "redirect_map\n",
    "sk_redirect_map\n",
    "sock_map_update\n",
    "xdp_adjust_meta\n",
    "perf_event_read_value\n",
    "perf_prog_read_value\n",
    "getsockopt\n",
    "override_return\n",
    "sock_ops_cb_flags_set\n",
    "msg_redirect_map\n",
    "msg_apply_bytes\n",
    "msg_cork_bytes\n",
    "msg_pull_data\n",
    "bind\n",
    "xdp_adjust_tail\n",
    "skb_get_xfrm_state\n",
    "get_stack\n",
    "skb_load_bytes_relative\n",
    "fib_lookup\n",
    "sock_hash_update\n",
    "msg_redirect_hash\n",
    "sk_redirect_hash\n",
    "lwt_push_encap\n",
    "lwt_seg6_store_bytes\n",
    "lwt_seg6_adjust_srh\n",
    "lwt_seg6_action\n",
    "rc_repeat\n",
    "rc_keydown\n",
    "skb_cgroup_id\n",
    "get_current_cgroup_id\n",
    "get_local_storage\n",
    "sk_select_reuseport\n",
    "skb_ancestor_cgroup_id\n",
    "sk_lookup_tcp\n",
    "sk_lookup_udp\n",
    "sk_release\n",
    "map_push_elem\n",
    "map_pop_elem\n",
    "map_peek_elem\n",
    "msg_push_data\n",
    "msg_pop_data\n",
    "rc_pointer_rel\n",
    "spin_lock\n",
    "spin_unlock\n",
    "sk_fullsock\n",
    "tcp_sock\n",
    "skb_ecn_set_ce\n",
    "get_listener_sock\n",
    "skc_lookup_tcp\n",
    "tcp_check_syncookie\n",
    "sysctl_get_name\n",
    "sysctl_get_current_value\n",
    "sysctl_get_new_value\n",
    "sysctl_set_new_value\n",
    "strtol\n",
    "strtoul\n",
    "sk_storage_get\n",
    "sk_storage_delete\n",
    "send_signal\n",
    "tcp_gen_syncookie\n",
    "skb_output\n",
    "probe_read_user\n",
    "probe_read_kernel\n",
    "probe_read_user_str\n",
    "probe_read_kernel_str\n",
    "tcp_send_ack\n",
    "send_signal_thread\n",
    "jiffies64\n",
    "read_branch_records\n",
    "get_ns_current_pid_tgid\n",
    "xdp_output\n",
    "get_netns_cookie\n",
    "get_current_ancestor_cgroup_id\n",
    "sk_assign\n",
    "ktime_get_boot_ns\n",
    "seq_printf\n",
    "seq_write\n",
    "sk_cgroup_id\n",
    "sk_ancestor_cgroup_id\n",
    "ringbuf_output\n",
    "ringbuf_reserve\n",
    "ringbuf_submit\n",
    "ringbuf_discard\n",
    "ringbuf_query\n",
    "csum_level\n",
    "skc_to_tcp6_sock\n",
    "skc_to_tcp_sock\n",
    "skc_to_tcp_timewait_sock\n",
    "skc_to_tcp_request_sock\n",
    "skc_to_udp6_sock\n",
    "get_task_stack\n",
    "load_hdr_opt\n",
    "store_hdr_opt\n",
    "reserve_hdr_opt\n",
    "inode_storage_get\n",
    "inode_storage_delete\n",
    "d_path\n",
    "copy_from_user\n",
    "snprintf_btf\n",
    "seq_printf_btf\n",
    "skb_cgroup_classid\n",
    "redirect_neigh\n",
    "per_cpu_ptr\n",
    "this_cpu_ptr\n",
    "redirect_peer\n",
    "task_storage_get\n",
    "task_storage_delete\n",
    "get_current_task_btf\n",
    "bprm_opts_set\n",
    "ktime_get_coarse_ns\n",
    "ima_inode_hash\n",
    "sock_from_file\n",
    "check_mtu\n",
    "for_each_map_elem\n",
    "snprintf\n",
    "sys_bpf\n",
    "btf_find_by_name_kind\n",
    "sys_close\n",
    "timer_init\n",
    "timer_set_callback\n",
    "timer_start\n",
    "timer_cancel\n",
    "get_func_ip\n",
    "get_attach_cookie\n",
    "task_pt_regs\n",
    "get_branch_snapshot\n",
    "trace_vprintk\n",
    "skc_to_unix_sock\n",
    "kallsyms_lookup_name\n",
    "find_vma\n",
    "loop\n",
    "strncmp\n",
    "get_func_arg\n",
    "get_func_ret\n",
    "get_func_arg_cnt\n",
    "get_retval\n",
    "set_retval\n",
    "xdp_get_buff_len\n",
    "xdp_load_bytes\n",
    "xdp_store_bytes\n",
    "copy_from_user_task\n",
    "skb_set_tstamp\n",
    "ima_file_hash\n",
    "kptr_xchg\n",
    "map_lookup_percpu_elem\n",
    "skc_to_mptcp_sock\n",
    "dynptr_from_mem\n",
    "ringbuf_reserve_dynptr\n",
    "ringbuf_submit_dynptr\n",
    "ringbuf_discard_dynptr\n",
    "dynptr_read\n",
    "dynptr_write\n",
    "dynptr_data\n",
    "tcp_raw_gen_syncookie_ipv4\n",
    "tcp_raw_gen_syncookie_ipv6\n",
    "tcp_raw_check_syncookie_ipv4\n",
    "tcp_raw_check_syncookie_ipv6\n",
    "ktime_get_tai_ns\n",
    "user_ringbuf_drain\n",
    "cgrp_storage_get\n",
    "cgrp_storage_delete\n",
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are lines of the table: the first and last helpers, the ones the tracer calls, and
    /// no name for 0 or an id past the end.
    #[test]
    fn each_id_names_its_line() {
        assert_eq!(helper_name(1), Some("map_lookup_elem"));
        assert_eq!(helper_name(113), Some("probe_read_kernel"));
        assert_eq!(helper_name(211), Some("cgrp_storage_delete"));
        for id in [-1, 0, 212, 1000] {
            assert_eq!(helper_name(id), None, "{id}");
        }
        assert_eq!(Helper::RingbufOutput.name(), "ringbuf_output");
        assert_eq!(Helper::KtimeGetTaiNs.name(), "ktime_get_tai_ns");
    }
}
