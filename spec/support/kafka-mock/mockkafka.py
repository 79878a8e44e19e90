# librdkafka's mock cluster driven over stdin, for specs (copied from ../shared/kafka-mock/, see the README there).
import ctypes, sys
lib = ctypes.CDLL("librdkafka.so.1")
lib.rd_kafka_conf_new.restype = ctypes.c_void_p
lib.rd_kafka_new.restype = ctypes.c_void_p
lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
for f in ("rd_kafka_mock_broker_set_down", "rd_kafka_mock_broker_set_up"):
    getattr(lib, f).argtypes = [ctypes.c_void_p, ctypes.c_int32]
lib.rd_kafka_mock_broker_set_rtt.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int]
lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
lib.rd_kafka_mock_partition_set_leader.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
lib.rd_kafka_mock_coordinator_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int32]
conf = lib.rd_kafka_conf_new()
err = ctypes.create_string_buffer(512)
rk = lib.rd_kafka_new(0, conf, err, 512)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
mc = lib.rd_kafka_mock_cluster_new(rk, n)
print(lib.rd_kafka_mock_cluster_bootstraps(mc).decode(), flush=True)
for line in sys.stdin:
    a = line.split()
    if not a: continue
    c = a[0]
    if c == "topic": r = lib.rd_kafka_mock_topic_create(mc, a[1].encode(), int(a[2]), int(a[3]) if len(a) > 3 else 1)
    elif c == "down": r = lib.rd_kafka_mock_broker_set_down(mc, int(a[1]))
    elif c == "up": r = lib.rd_kafka_mock_broker_set_up(mc, int(a[1]))
    elif c == "rtt": r = lib.rd_kafka_mock_broker_set_rtt(mc, int(a[1]), int(a[2]))
    elif c == "leader": r = lib.rd_kafka_mock_partition_set_leader(mc, a[1].encode(), int(a[2]), int(a[3]))
    elif c == "coord": r = lib.rd_kafka_mock_coordinator_set(mc, b"group", a[1].encode(), int(a[2]))
    elif c == "quit": break
    else: r = -1
    print("ok" if r == 0 else f"err {r}", flush=True)
