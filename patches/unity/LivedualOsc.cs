// livedual's native OSC format, receiving side: a minimal OSC reader, the assembly of
// complete frames, the SMPL skeleton and the pose maths (SMPL -> Unity frame).
// Plain C# without UnityEngine, so it builds and runs outside Unity too (the tests do).
// The wire contract is patches/README.md.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Livedual
{
    /// <summary>One OSC message: its address and its arguments (int, float, string, ...).</summary>
    public struct OscMessage
    {
        public string Address;
        public object[] Args;
    }

    /// <summary>Reads OSC 1.0 datagrams: single messages and (nested) bundles.</summary>
    public static class OscReader
    {
        const int BundleHeaderBytes = 16; // "#bundle\0" + 8-byte time tag (ignored here)

        /// <summary>Appends every message of one datagram to <paramref name="into"/>.
        /// Throws FormatException on a malformed datagram; nothing is appended then.</summary>
        public static void Read(byte[] data, int offset, int count, List<OscMessage> into)
        {
            var found = new List<OscMessage>();
            ReadPacket(data, offset, count, found);
            into.AddRange(found);
        }

        static void ReadPacket(byte[] data, int offset, int count, List<OscMessage> into)
        {
            if (count >= BundleHeaderBytes && IsBundle(data, offset))
            {
                int pos = offset + BundleHeaderBytes, end = offset + count;
                while (pos < end)
                {
                    if (pos + 4 > end) throw new FormatException("OSC bundle ends inside an element size");
                    int size = ReadInt(data, pos);
                    if (size <= 0 || size % 4 != 0 || pos + 4 + size > end)
                        throw new FormatException("impossible OSC bundle element size " + size);
                    ReadPacket(data, pos + 4, size, into);
                    pos += 4 + size;
                }
                return;
            }
            into.Add(ReadMessage(data, offset, count));
        }

        static bool IsBundle(byte[] data, int offset)
        {
            const string tag = "#bundle";
            for (int i = 0; i < tag.Length; i++)
                if (data[offset + i] != tag[i]) return false;
            return data[offset + tag.Length] == 0;
        }

        static OscMessage ReadMessage(byte[] data, int offset, int count)
        {
            int end = offset + count, pos = offset;
            string address = ReadString(data, ref pos, end);
            if (address.Length == 0 || address[0] != '/') throw new FormatException("not an OSC address");
            string tags = pos < end ? ReadString(data, ref pos, end) : ",";
            if (tags.Length == 0 || tags[0] != ',') throw new FormatException("no OSC type tag string");
            var args = new object[tags.Length - 1];
            for (int i = 1; i < tags.Length; i++)
                args[i - 1] = ReadArgument(tags[i], data, ref pos, end);
            return new OscMessage { Address = address, Args = args };
        }

        static object ReadArgument(char tag, byte[] data, ref int pos, int end)
        {
            switch (tag)
            {
                case 'i': Need(pos, 4, end); pos += 4; return ReadInt(data, pos - 4);
                case 'f': Need(pos, 4, end); pos += 4; return ReadFloat(data, pos - 4);
                case 'h': Need(pos, 8, end); pos += 8; return ((long)ReadInt(data, pos - 8) << 32) | (uint)ReadInt(data, pos - 4);
                case 'd':
                    Need(pos, 8, end); pos += 8;
                    return BitConverter.Int64BitsToDouble(((long)ReadInt(data, pos - 8) << 32) | (uint)ReadInt(data, pos - 4));
                case 's': return ReadString(data, ref pos, end);
                case 'T': return true;
                case 'F': return false;
                case 'N': return null;
                default: throw new FormatException("unsupported OSC type tag '" + tag + "'");
            }
        }

        static void Need(int pos, int bytes, int end)
        {
            if (pos + bytes > end) throw new FormatException("OSC message ends inside an argument");
        }

        static int ReadInt(byte[] data, int pos)
        {
            return (data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3];
        }

        static float ReadFloat(byte[] data, int pos)
        {
            return BitConverter.ToSingle(BitConverter.GetBytes(ReadInt(data, pos)), 0);
        }

        static string ReadString(byte[] data, ref int pos, int end)
        {
            int start = pos;
            while (pos < end && data[pos] != 0) pos++;
            if (pos >= end) throw new FormatException("unterminated OSC string");
            string text = Encoding.ASCII.GetString(data, start, pos - start);
            pos = start + ((pos - start) / 4 + 1) * 4; // the string, its NUL, padding to 4 bytes
            if (pos > end) throw new FormatException("OSC string padding runs past the end");
            return text;
        }
    }

    /// <summary>One complete pose frame of the native format (SMPL frame, metres).</summary>
    public sealed class PoseFrame
    {
        public int Index;
        public float Time;
        public bool HasBeat;
        public float Beat;
        /// <summary>Root translation x, y, z (SMPL's transl).</summary>
        public readonly float[] Root = new float[3];
        /// <summary>Local rotation of every SMPL joint as (w, x, y, z), joint after joint.</summary>
        public readonly float[] Quaternions = new float[Smpl.JointCount * 4];

        public PoseFrame()
        {
            for (int j = 0; j < Smpl.JointCount; j++) Quaternions[4 * j] = 1f;
        }

        public void CopyFrom(PoseFrame other)
        {
            Index = other.Index; Time = other.Time; HasBeat = other.HasBeat; Beat = other.Beat;
            Array.Copy(other.Root, Root, Root.Length);
            Array.Copy(other.Quaternions, Quaternions, Quaternions.Length);
        }
    }

    /// <summary>Collects /livedual/root/pos, /livedual/joint/NAME and /livedual/beat;
    /// /livedual/frame completes a frame. Values not resent keep their last value.</summary>
    public sealed class FrameAssembler
    {
        readonly PoseFrame pending = new PoseFrame();
        /// <summary>Messages ignored: unknown address or joint, wrong arguments.</summary>
        public int Ignored;

        /// <summary>Adds one message; on /livedual/frame copies the frame into
        /// <paramref name="completed"/> and returns true.</summary>
        public bool Push(OscMessage message, PoseFrame completed)
        {
            string address = message.Address;
            object[] args = message.Args;
            if (address == "/livedual/frame" && args.Length == 2 && args[0] is int)
            {
                pending.Index = (int)args[0];
                pending.Time = ToFloat(args[1]);
                completed.CopyFrom(pending);
                pending.HasBeat = false; // a beat belongs to its own frame
                return true;
            }
            if (address.StartsWith("/livedual/joint/", StringComparison.Ordinal) && args.Length == 4)
            {
                int joint = Smpl.IndexOf(address.Substring("/livedual/joint/".Length));
                if (joint >= 0)
                {
                    for (int k = 0; k < 4; k++) pending.Quaternions[4 * joint + k] = ToFloat(args[k]);
                    return false;
                }
            }
            else if (address == "/livedual/root/pos" && args.Length == 3)
            {
                for (int k = 0; k < 3; k++) pending.Root[k] = ToFloat(args[k]);
                return false;
            }
            else if (address == "/livedual/beat" && args.Length == 1)
            {
                pending.HasBeat = true;
                pending.Beat = ToFloat(args[0]);
                return false;
            }
            Ignored++;
            return false;
        }

        static float ToFloat(object value)
        {
            if (value is float) return (float)value;
            if (value is int) return (int)value;
            if (value is double) return (float)(double)value;
            return Convert.ToSingle(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The SMPL skeleton of livedual/assets/smpl_skeleton.json (metres, y up,
    /// facing +z) and its Unity HumanBodyBones names (livedual/io/vmc.py).</summary>
    public static class Smpl
    {
        public const int JointCount = 24;

        public static readonly string[] JointNames =
        {
            "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
            "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
            "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
            "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
        };

        public static readonly string[] HumanBodyBoneNames =
        {
            "Hips", "LeftUpperLeg", "RightUpperLeg", "Spine", "LeftLowerLeg", "RightLowerLeg",
            "Chest", "LeftFoot", "RightFoot", "UpperChest", "LeftToes", "RightToes", "Neck",
            "LeftShoulder", "RightShoulder", "Head", "LeftUpperArm", "RightUpperArm",
            "LeftLowerArm", "RightLowerArm", "LeftHand", "RightHand",
            "LeftMiddleProximal", "RightMiddleProximal",
        };

        public static readonly int[] Parents =
        {
            -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21,
        };

        /// <summary>Rest offset of every joint from its parent, x y z per joint (metres).</summary>
        public static readonly float[] RestOffsets =
        {
            0.0f, 0.0f, 0.0f,
            0.05858135f, -0.08228004f, -0.01766408f,
            -0.06030973f, -0.09051332f, -0.01354254f,
            0.00443945f, 0.12440352f, -0.03838522f,
            0.04345142f, -0.38646945f, 0.008037f,
            -0.04325663f, -0.38368791f, -0.00484304f,
            0.00448844f, 0.1379564f, 0.02682033f,
            -0.01479032f, -0.42687458f, -0.037428f,
            0.01905555f, -0.4200455f, -0.03456167f,
            -0.00226458f, 0.05603239f, 0.00285505f,
            0.04105436f, -0.06028581f, 0.12204243f,
            -0.03483987f, -0.06210566f, 0.13032329f,
            -0.0133902f, 0.21163553f, -0.03346758f,
            0.07170245f, 0.11399969f, -0.01889817f,
            -0.08295366f, 0.11247234f, -0.02370739f,
            0.01011321f, 0.08893734f, 0.05040987f,
            0.12292141f, 0.04520509f, -0.019046f,
            -0.11322832f, 0.04685326f, -0.00847207f,
            0.2553319f, -0.01564902f, -0.02294649f,
            -0.26012748f, -0.01436928f, -0.03126873f,
            0.26570925f, 0.01269811f, -0.00737473f,
            -0.26910836f, 0.00679372f, -0.00602676f,
            0.08669055f, -0.01063603f, -0.01559429f,
            -0.0887537f, -0.00865157f, -0.01010708f,
        };

        /// <summary>Pelvis rest position relative to the translation origin: pelvis = transl + RootRest.</summary>
        public static readonly float[] RootRest = { -0.00217368f, -0.24078917f, 0.02858379f };

        static readonly Dictionary<string, int> NameToIndex = BuildIndex(); // after JointNames

        static Dictionary<string, int> BuildIndex()
        {
            var table = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int j = 0; j < JointCount; j++) table[JointNames[j]] = j;
            return table;
        }

        /// <summary>Index of an SMPL joint name, or -1.</summary>
        public static int IndexOf(string name)
        {
            int found;
            return NameToIndex.TryGetValue(name, out found) ? found : -1;
        }

        /// <summary>Height of the pelvis above the lowest joint in the rest pose (metres):
        /// how tall the legs are, to scale the root translation to an avatar.</summary>
        public static float RestPelvisHeight()
        {
            var y = new float[JointCount];
            float lowest = 0f;
            for (int j = 1; j < JointCount; j++)
            {
                y[j] = y[Parents[j]] + RestOffsets[3 * j + 1];
                lowest = Math.Min(lowest, y[j]);
            }
            return -lowest;
        }
    }

    /// <summary>Pose maths: forward kinematics in SMPL's frame, then the mirror x -> -x
    /// into Unity's left-handed frame (positions: negate x; quaternions (w, x, y, z) ->
    /// (w, x, -y, -z)), as patches/README.md specifies for the VMC format.</summary>
    public static class PoseMath
    {
        /// <summary>Global (world) rotation of every joint in Unity's frame, as (x, y, z, w)
        /// per joint, relative to the rest pose; <paramref name="xyzw"/> holds 96 floats.</summary>
        public static void GlobalRotationsUnity(PoseFrame frame, float[] xyzw)
        {
            var global = new float[Smpl.JointCount * 4];
            for (int j = 0; j < Smpl.JointCount; j++)
            {
                int parent = Smpl.Parents[j];
                if (parent < 0) Array.Copy(frame.Quaternions, 0, global, 0, 4);
                else Multiply(global, 4 * parent, frame.Quaternions, 4 * j, global, 4 * j);
                xyzw[4 * j] = global[4 * j + 1];
                xyzw[4 * j + 1] = -global[4 * j + 2];
                xyzw[4 * j + 2] = -global[4 * j + 3];
                xyzw[4 * j + 3] = global[4 * j];
            }
        }

        /// <summary>World position of every joint in Unity's frame (metres), x y z per joint;
        /// <paramref name="xyz"/> holds 72 floats.</summary>
        public static void JointPositionsUnity(PoseFrame frame, float[] xyz)
        {
            var global = new float[Smpl.JointCount * 4];
            var position = new float[Smpl.JointCount * 3];
            var offset = new float[3];
            for (int j = 0; j < Smpl.JointCount; j++)
            {
                int parent = Smpl.Parents[j];
                if (parent < 0)
                {
                    Array.Copy(frame.Quaternions, 0, global, 0, 4);
                    for (int k = 0; k < 3; k++) position[k] = frame.Root[k] + Smpl.RootRest[k];
                }
                else
                {
                    Multiply(global, 4 * parent, frame.Quaternions, 4 * j, global, 4 * j);
                    Rotate(global, 4 * parent, Smpl.RestOffsets, 3 * j, offset);
                    for (int k = 0; k < 3; k++) position[3 * j + k] = position[3 * parent + k] + offset[k];
                }
                xyz[3 * j] = -position[3 * j];
                xyz[3 * j + 1] = position[3 * j + 1];
                xyz[3 * j + 2] = position[3 * j + 2];
            }
        }

        // Hamilton product of (w, x, y, z) quaternions a[ia..] * b[ib..] into o[io..].
        static void Multiply(float[] a, int ia, float[] b, int ib, float[] o, int io)
        {
            float aw = a[ia], ax = a[ia + 1], ay = a[ia + 2], az = a[ia + 3];
            float bw = b[ib], bx = b[ib + 1], by = b[ib + 2], bz = b[ib + 3];
            o[io] = aw * bw - ax * bx - ay * by - az * bz;
            o[io + 1] = aw * bx + ax * bw + ay * bz - az * by;
            o[io + 2] = aw * by - ax * bz + ay * bw + az * bx;
            o[io + 3] = aw * bz + ax * by - ay * bx + az * bw;
        }

        // Vector v[iv..iv+3] rotated by the unit quaternion q[iq..] into o.
        static void Rotate(float[] q, int iq, float[] v, int iv, float[] o)
        {
            float w = q[iq], x = q[iq + 1], y = q[iq + 2], z = q[iq + 3];
            float vx = v[iv], vy = v[iv + 1], vz = v[iv + 2];
            float tx = 2f * (y * vz - z * vy), ty = 2f * (z * vx - x * vz), tz = 2f * (x * vy - y * vx);
            o[0] = vx + w * tx + (y * tz - z * ty);
            o[1] = vy + w * ty + (z * tx - x * tz);
            o[2] = vz + w * tz + (x * ty - y * tx);
        }
    }
}
