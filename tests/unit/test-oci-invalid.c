/* Invalid config.json documents, each with the exact message it must produce. Documents are
 * written with single quotes for readability; they become double quotes before parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"
#include "tests/unit/test-oci.h"

#define PROC(extra) "{'ociVersion':'1','process':{'cwd':'/','args':['sh']" extra "}}"
#define LINUX(extra) "{'ociVersion':'1','linux':{" extra "}}"
#define RES(extra) LINUX("'resources':{" extra "}")
#define SECCOMP(extra) LINUX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," extra "}")
#define RLIMIT(t) "{'type':'" t "','soft':1,'hard':2}"

static const struct {
  const char *json;
  const char *error;
} cases[] = {
    /* top level */
    {"{}", "ociVersion: required"},
    {"{'ociVersion':1}", "ociVersion: expected a string, got number"},
    {"[]", "expected an object, got array"},
    {"{'ociVersion':'1','root':{}}", "root.path: required"},
    {"{'ociVersion':'1','root':'rootfs'}", "root: expected an object, got string"},
    {"{'ociVersion':'1','root':{'path':'r','readonly':'yes'}}",
     "root.readonly: expected a boolean, got string"},
    {"{'ociVersion':'1','hostname':['a']}", "hostname: expected a string, got array"},
    {"{'ociVersion':'1','linux':[]}", "linux: expected an object, got array"},
    /* process */
    {"{'ociVersion':'1','process':{'cwd':'/'}}", "process.args: required"},
    {PROC(",'args':[]"), "process.args: must not be empty"},
    {PROC(",'args':3"), "process.args: expected an array of strings, got number"},
    {PROC(",'args':['a',{}]"), "process.args[1]: expected a string, got object"},
    {PROC(",'args':['a\\u0000b']"), "process.args[0]: must not contain a NUL character"},
    {"{'ociVersion':'1','process':{'args':['sh']}}", "process.cwd: required"},
    {PROC(",'cwd':'tmp'"), "process.cwd: must be an absolute path, got \"tmp\""},
    {PROC(",'cwd':'a\\nb'"), "process.cwd: must be an absolute path, got \"a\\x0ab\""},
    {PROC(",'terminal':1"), "process.terminal: expected a boolean, got number"},
    {PROC(",'consoleSize':{'height':1}"), "process.consoleSize.width: required"},
    {PROC(",'user':{'uid':-1}"), "process.user.uid: expected a uint32, got -1"},
    {PROC(",'user':{'gid':4294967296}"), "process.user.gid: expected a uint32, got 4294967296"},
    {PROC(",'user':{'uid':1.0}"), "process.user.uid: expected a uint32, got 1.0"},
    {PROC(",'user':{'umask':'022'}"), "process.user.umask: expected a uint32, got string"},
    {PROC(",'user':{'additionalGids':[1,-2]}"), "process.user.additionalGids[1]: expected a uint32, got -2"},
    {PROC(",'env':['A=1','FOO']"), "process.env[1]: expected \"NAME=value\", got \"FOO\""},
    {PROC(",'env':['=x']"), "process.env[0]: expected \"NAME=value\", got \"=x\""},
    {PROC(",'capabilities':{'effective':'CAP_KILL'}"),
     "process.capabilities.effective: expected an array of strings, got string"},
    {PROC(",'rlimits':[" RLIMIT("RLIMIT_FOO") "]"), "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {PROC(",'rlimits':[" RLIMIT("RLIMIT_NOFILE") "," RLIMIT("RLIMIT_CORE") "," RLIMIT("RLIMIT_NOFILE") "]"),
     "process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {PROC(",'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"), "process.rlimits[0].soft: required"},
    {PROC(",'rlimits':[{'type':'RLIMIT_CORE','hard':-1,'soft':0}]"),
     "process.rlimits[0].hard: expected a uint64, got -1"},
    {PROC(",'rlimits':[{'type':'RLIMIT_CORE','hard':18446744073709551616,'soft':0}]"),
     "process.rlimits[0].hard: expected a uint64, got 18446744073709551616"},
    {PROC(",'rlimits':{}"), "process.rlimits: expected an array of objects, got object"},
    {PROC(",'rlimits':['RLIMIT_CORE']"), "process.rlimits[0]: expected an object, got string"},
    {PROC(",'oomScoreAdj':1001"), "process.oomScoreAdj: must be between -1000 and 1000, got 1001"},
    {PROC(",'ioPriority':{'class':'IOPRIO_CLASS_X'}"),
     "process.ioPriority.class: unknown class \"IOPRIO_CLASS_X\""},
    {PROC(",'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}"),
     "process.ioPriority.priority: must be between 0 and 7, got 8"},
    {PROC(",'scheduler':{'policy':'SCHED_X'}"), "process.scheduler.policy: unknown policy \"SCHED_X\""},
    {PROC(",'scheduler':{'nice':1}"), "process.scheduler.policy: required"},
    {PROC(",'scheduler':{'policy':'SCHED_RR','flags':['SCHED_FLAG_X']}"),
     "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_X\""},
    {PROC(",'execCPUAffinity':{'initial':'0-3','final':'a'}"),
     "process.execCPUAffinity.final: invalid CPU list \"a\""},
    /* mounts, hooks, annotations */
    {"{'ociVersion':'1','mounts':[{'destination':'/a'},{'type':'tmpfs'}]}",
     "mounts[1].destination: required"},
    {"{'ociVersion':'1','mounts':[{'destination':''}]}", "mounts[0].destination: must not be empty"},
    {"{'ociVersion':'1','mounts':[{'destination':'/a','options':'ro'}]}",
     "mounts[0].options: expected an array of strings, got string"},
    {"{'ociVersion':'1','mounts':[{'destination':'/"
     "a','uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]}",
     "mounts[0]: uidMappings without gidMappings"},
    {"{'ociVersion':'1','hooks':{'prestart':[{'path':'fix'}]}}",
     "hooks.prestart[0].path: must be an absolute path, got \"fix\""},
    {"{'ociVersion':'1','hooks':{'poststop':[{'path':'/a'},{'path':'/b','timeout':0}]}}",
     "hooks.poststop[1].timeout: must be greater than zero, got 0"},
    {"{'ociVersion':'1','hooks':{'poststart':[{'path':'/a','timeout':1.5}]}}",
     "hooks.poststart[0].timeout: expected an integer, got 1.5"},
    {"{'ociVersion':'1','hooks':{'createRuntime':[{'args':['x']}]}}",
     "hooks.createRuntime[0].path: required"},
    {"{'ociVersion':'1','annotations':{'a.b':1}}", "annotations[\"a.b\"]: expected a string, got number"},
    {"{'ociVersion':'1','annotations':['a']}", "annotations: expected an object, got array"},
    /* linux */
    {LINUX("'namespaces':[{'type':'pid'},{'type':'network'},{'type':'foo'}]"),
     "linux.namespaces[2].type: unknown namespace \"foo\""},
    {LINUX("'namespaces':[{'type':'pid'},{'type':'pid'}]"),
     "linux.namespaces[1].type: duplicate namespace \"pid\""},
    {LINUX("'namespaces':[{'type':'network','path':'proc/1/ns/net'}]"),
     "linux.namespaces[0].path: must be an absolute path, got \"proc/1/ns/net\""},
    {LINUX("'namespaces':[{'path':'/proc/1/ns/net'}]"), "linux.namespaces[0].type: required"},
    {LINUX("'namespaces':[{'type':5}]"), "linux.namespaces[0].type: expected a string, got number"},
    {LINUX("'uidMappings':[{'containerID':0,'hostID':1000,'size':0}]"),
     "linux.uidMappings[0].size: must be greater than zero"},
    {LINUX("'gidMappings':[{'containerID':0,'size':1}]"), "linux.gidMappings[0].hostID: required"},
    {LINUX("'rootfsPropagation':'recursive'"), "linux.rootfsPropagation: unknown propagation \"recursive\""},
    {LINUX("'devices':[{'type':'x','path':'/dev/x'}]"), "linux.devices[0].type: unknown device type \"x\""},
    {LINUX("'devices':[{'type':'c','path':'dev/null','major':1,'minor':3}]"),
     "linux.devices[0].path: must be an absolute path, got \"dev/null\""},
    {LINUX("'devices':[{'type':'c','path':'/dev/null','minor':3}]"), "linux.devices[0].major: required"},
    {LINUX("'maskedPaths':['/proc/acpi','proc/kcore']"),
     "linux.maskedPaths[1]: must be an absolute path, got \"proc/kcore\""},
    {LINUX("'sysctl':{'net.ipv4.ip_forward':1}"),
     "linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string, got number"},
    {LINUX("'personality':{'domain':'LINUX64'}"), "linux.personality.domain: unknown domain \"LINUX64\""},
    {LINUX("'timeOffsets':{'realtime':{'secs':1}}"), "linux.timeOffsets: unknown clock \"realtime\""},
    {LINUX("'timeOffsets':{'boottime':{'nanosecs':1000000000}}"),
     "linux.timeOffsets.boottime.nanosecs: must be less than 1000000000, got 1000000000"},
    {LINUX("'intelRdt':{'closID':'../x'}"), "linux.intelRdt.closID: invalid CLOS name \"../x\""},
    {LINUX("'intelRdt':{'memBwSchema':'L3:0=1'}"),
     "linux.intelRdt.memBwSchema: expected one line starting with \"MB:\", got \"L3:0=1\""},
    {LINUX("'netDevices':{'eth0':{'name':'a/b'}}"),
     "linux.netDevices[\"eth0\"].name: invalid interface name \"a/b\""},
    {LINUX("'memoryPolicy':{'mode':'MPOL_X'}"), "linux.memoryPolicy.mode: unknown mode \"MPOL_X\""},
    /* linux.resources */
    {RES("'devices':[{'allow':true,'type':'x'}]"),
     "linux.resources.devices[0].type: unknown device type \"x\""},
    {RES("'devices':[{'allow':true,'access':'rwx'}]"),
     "linux.resources.devices[0].access: expected a combination of \"r\", \"w\" and \"m\", got \"rwx\""},
    {RES("'devices':[{'access':'rwm'}]"), "linux.resources.devices[0].allow: required"},
    {RES("'memory':{'limit':1.5}"), "linux.resources.memory.limit: expected an int64, got 1.5"},
    {RES("'memory':{'swap':9223372036854775808}"),
     "linux.resources.memory.swap: expected an int64, got 9223372036854775808"},
    {RES("'memory':{'swappiness':101}"),
     "linux.resources.memory.swappiness: must be between 0 and 100, got 101"},
    {RES("'pids':{}"), "linux.resources.pids.limit: required"},
    {RES("'cpu':{'shares':-1}"), "linux.resources.cpu.shares: expected a uint64, got -1"},
    {RES("'blockIO':{'weight':65536}"), "linux.resources.blockIO.weight: expected a uint16, got 65536"},
    {RES("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
     "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight"},
    {RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required"},
    {RES("'hugepageLimits':[{'pageSize':'2M','limit':1}]"),
     "linux.resources.hugepageLimits[0].pageSize: expected a size like \"2MB\", got \"2M\""},
    {RES("'rdma':{'mlx5':{}}"), "linux.resources.rdma[\"mlx5\"]: needs hcaHandles or hcaObjects"},
    {RES("'unified':{'x':true}"), "linux.resources.unified[\"x\"]: expected a string, got boolean"},
    {RES("'network':{'priorities':[{'name':'eth0'}]}"),
     "linux.resources.network.priorities[0].priority: required"},
    /* linux.seccomp */
    {LINUX("'seccomp':{}"), "linux.seccomp.defaultAction: required"},
    {LINUX("'seccomp':{'defaultAction':'SCMP_ACT_FOO'}"),
     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
    {LINUX("'seccomp':{'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/s'}"),
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
    {LINUX("'seccomp':{'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}"),
     "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL"},
    {SECCOMP("'architectures':['SCMP_ARCH_X86','SCMP_ARCH_Z80']"),
     "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\""},
    {SECCOMP("'flags':['SECCOMP_FILTER_FLAG_X']"),
     "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\""},
    {SECCOMP("'syscalls':[{'names':[],'action':'SCMP_ACT_ERRNO'}]"),
     "linux.seccomp.syscalls[0].names: must not be empty"},
    {SECCOMP("'syscalls':[{'names':['read']}]"), "linux.seccomp.syscalls[0].action: required"},
    {SECCOMP("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','errnoRet':1}]"),
     "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not "
     "SCMP_ACT_ALLOW"},
    {SECCOMP("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'"
             "SCMP_CMP_X'}]}]"),
     "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_X\""},
    {SECCOMP("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'"
             "SCMP_CMP_EQ'}]}]"),
     "linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5, got 6"},
    {SECCOMP(
         "'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]"),
     "linux.seccomp.syscalls[0].args[0].value: required"},
    {SECCOMP("'listenerMetadata':'m'"), "linux.seccomp.listenerMetadata: requires listenerPath"},
    {SECCOMP("'syscalls':[{'names':['read'],'action':'SCMP_ACT_LOG'},{'names':['mount'],'action':'SCMP_ACT_"
             "NOTIFY'}]"),
     "linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath"},
    /* malformed JSON: line and column of yajl's byte offset */
    {"{", "line 1 column 2: parse error: premature EOF"},
    {"", "line 1 column 1: parse error: premature EOF"},
    {"{\n  'ociVersion': '1',\n  'x': tru\n}",
     "line 3 column 11: lexical error: invalid string in json text."},
    {"{\n 'a': [1,\n 2 3]}", "line 3 column 5: parse error: after array element, I expect ',' or ']'"},
    {"{'ociVersion':'1'} x", "line 1 column 21: parse error: trailing garbage"},
    {"{'a':1,}", "line 1 column 9: parse error: invalid object key (must be a string)"},
    {"{'a':'\xff'}", "line 1 column 8: lexical error: invalid bytes in UTF8 string."},
    {"{\n\n\t'a':\t-}",
     "line 3 column 8: lexical error: malformed number, a digit is required after the minus sign."},
};

void test_config_invalid(void) {
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *json = strdup(cases[i].json);
    for (char *p = json; *p; p++)
      if (*p == '\'')
        *p = '"';
    char want[1200];
    snprintf(want, sizeof want, "config.json: %s", cases[i].error);
    struct skiff_error err = {0};
    struct oci_config *c = oci_config_parse(json, strlen(json), "config.json", &err);
    tap_is(c ? "(parsed)" : err.msg, want, "invalid: %s", cases[i].error);
    if (!c && strchr(err.msg, '\n'))
      tap_diag("message spans lines");
    oci_config_free(c);
    free(json);
  }
}
